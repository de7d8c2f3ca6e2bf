#!/bin/bash
# Every examples/*.yaml is valid against schemas/lxr-stack.schema.json AND
# loads with `lxr config`; the schema's keys are exactly the keys the support
# table (src/config/support.c) marks as honoured; and a file with a key lxr
# refuses is refused by both. Needs no root and no kernel features.
set -euo pipefail
: "${LXR:?path to the lxr binary}" "${LXR_SOURCE_DIR:?}"
py=/usr/bin/python3 # Debian's, where packaging/setup.sh installs jsonschema
if ! "$py" -c 'import jsonschema, yaml' 2>/dev/null; then
	echo "SKIP: python3-jsonschema/python3-yaml missing (run packaging/setup.sh)"
	exit 77
fi
schema="$LXR_SOURCE_DIR/schemas/lxr-stack.schema.json"
tmp=$(mktemp -d /tmp/lxr-test-examples.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

validate() { # FILE -> exit 0 if the schema accepts it
	"$py" - "$schema" "$1" <<'PY'
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
doc = yaml.safe_load(open(sys.argv[2]))
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)
for e in errors:
    print(f"{sys.argv[2]}: {'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}

n=0
for f in "$LXR_SOURCE_DIR"/examples/*.yaml; do
	validate "$f" || { echo "FAIL: $f does not match the schema"; exit 1; }
	"$LXR" config -f "$f" >/dev/null || { echo "FAIL: lxr config refuses $f"; exit 1; }
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no examples"; exit 1; }

# Schema keys == honoured keys of the support table.
"$py" - "$schema" "$LXR_SOURCE_DIR/src/config/support.c" <<'PY'
import json, re, sys
schema = json.load(open(sys.argv[1]))
table = re.findall(r'\{"([^"]+)", (true|false)\}', open(sys.argv[2]).read())
honoured = {k for k, v in table if v == "true"}
want_top = {k for k in honoured if "." not in k}
want_svc = {k.split(".")[1] for k in honoured if k.count(".") == 1 and k.startswith("service.")}
got_top = set(schema["properties"]) - {"version"}
got_svc = set(schema["definitions"]["service"]["properties"])
bad = False
for what, want, got in (("top level", want_top, got_top), ("service", want_svc, got_svc)):
    if want != got:
        print(f"FAIL: {what}: schema lacks {sorted(want - got)}, has extra {sorted(got - want)}")
        bad = True
sys.exit(1 if bad else 0)
PY

# What lxr refuses, the schema refuses too.
cat >"$tmp/refused.yaml" <<'YAML'
services:
  web:
    image: ./rootfs
    depends_on: [db]
  db:
    image: ./rootfs
YAML
if validate "$tmp/refused.yaml" 2>/dev/null; then
	echo "FAIL: the schema accepts depends_on, which lxr refuses"
	exit 1
fi
set +e
"$LXR" config -f "$tmp/refused.yaml" >/dev/null 2>"$tmp/err"
rc=$?
set -e
[ "$rc" -eq 2 ] || { echo "FAIL: lxr config exit $rc, want 2"; exit 1; }
grep -q 'refused.yaml:4:5: error: service "web": "depends_on" is not supported yet' "$tmp/err" ||
	{ echo "FAIL: unexpected error text:"; cat "$tmp/err"; exit 1; }
echo "ok: $n examples match the schema and load; schema == support table"
