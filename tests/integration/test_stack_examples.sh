#!/bin/bash
# Every examples/*.yaml is valid against schemas/lxr-stack.schema.json AND
# loads with `lxr config`; so is every stack file the loader's unit cases
# load successfully (tests/unit/config/data); the schema's keys are exactly
# the keys the support table (src/config/support.c) marks as honoured; and
# files with a key or value lxr refuses are refused by both. Needs no root
# and no kernel features.
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
def keys_as_text(v):
    # PyYAML reads YAML 1.1 keys like `on` as booleans; lxr reads every key
    # as the text it is, and so does the schema.
    if isinstance(v, dict):
        return {str(k): keys_as_text(x) for k, x in v.items() if x is not RESET}
    if isinstance(v, list):
        return [keys_as_text(x) for x in v]
    return v
# every document of a file of several (`---`, merged in order by the
# loader) is a stack file fragment the schema takes; an empty one is none
# compose's merge tags: !override is the value it tags, !reset removes its
# key (what it would merge over is not in this document)
RESET = object()
def node_value(loader, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)
yaml.SafeLoader.add_constructor("!override", node_value)
yaml.SafeLoader.add_constructor("!reset", lambda loader, node: RESET)
# an anchor defined again names the latest definition, as the YAML spec,
# go-yaml and lxr read it; PyYAML refuses the second one
def compose_node(self, parent, index, compose=yaml.composer.Composer.compose_node):
    if self.check_event(yaml.events.NodeEvent) and not self.check_event(yaml.events.AliasEvent):
        self.anchors.pop(self.peek_event().anchor, None)
    return compose(self, parent, index)
yaml.SafeLoader.compose_node = compose_node
errors = []
for doc in yaml.safe_load_all(open(sys.argv[2])):
    if doc is None:
        continue
    errors += sorted(jsonschema.Draft7Validator(schema).iter_errors(keys_as_text(doc)), key=str)
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

# The unit cases that load (no expected.err) without accept_unsupported and
# that lxr up runs (no expected.run) are stack files lxr runs: the schema
# must accept them too.
cases=0
for d in "$LXR_SOURCE_DIR"/tests/unit/config/data/*/; do
	[ -f "$d/stack.yaml" ] && [ ! -f "$d/expected.err" ] && [ ! -f "$d/expected.run" ] || continue
	grep -qx accept_unsupported "$d/options" 2>/dev/null && continue
	validate "$d/stack.yaml" || { echo "FAIL: the schema refuses $d/stack.yaml, which lxr loads"; exit 1; }
	cases=$((cases + 1))
done
[ "$cases" -gt 10 ] || { echo "FAIL: only $cases loader cases found"; exit 1; }

# Schema keys == honoured keys of the support table, at the top level, on a
# service, under deploy and under deploy.resources.
"$py" - "$schema" "$LXR_SOURCE_DIR/src/config/support.c" <<'PY'
import json, re, sys
schema = json.load(open(sys.argv[1]))
table = re.findall(r'\{"([^"]+)", (true|false)\}', open(sys.argv[2]).read())
honoured = {k for k, v in table if v == "true"}
defs = schema["definitions"]
def under(prefix):
    return {k[len(prefix):] for k in honoured if k.startswith(prefix) and "." not in k[len(prefix):]}
levels = (
    ("top level", under(""), set(schema["properties"]) - {"version"}),
    ("service", under("service."), set(defs["service"]["properties"])),
    ("deploy", under("service.deploy."), set(defs["deploy"]["properties"])),
    ("deploy.resources", under("service.deploy.resources."),
     set(defs["deploy"]["properties"]["resources"]["properties"])),
)
bad = False
for what, want, got in levels:
    if want != got:
        print(f"FAIL: {what}: schema lacks {sorted(want - got)}, has extra {sorted(got - want)}")
        bad = True
sys.exit(1 if bad else 0)
PY

refused() { # NAME YAML EXPECTED-ERROR-LINE: both the schema and lxr refuse it
	printf '%s\n' "$2" >"$tmp/$1.yaml"
	if validate "$tmp/$1.yaml" 2>/dev/null; then
		echo "FAIL: the schema accepts $1.yaml, which lxr refuses"
		exit 1
	fi
	set +e
	"$LXR" config -f "$tmp/$1.yaml" >/dev/null 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || { echo "FAIL: $1: lxr config exit $rc, want 2"; exit 1; }
	grep -qxF "$tmp/$1.yaml:$3" "$tmp/err" || { echo "FAIL: $1: unexpected error text:"; cat "$tmp/err"; exit 1; }
}

loaded() { # NAME YAML: lxr config loads it (lxr up refuses it), the schema does not
	printf '%s\n' "$2" >"$tmp/$1.yaml"
	if validate "$tmp/$1.yaml" 2>/dev/null; then
		echo "FAIL: the schema accepts $1.yaml, which lxr up refuses"
		exit 1
	fi
	"$LXR" config -f "$tmp/$1.yaml" >/dev/null 2>"$tmp/err" || {
		echo "FAIL: $1: lxr config refuses what it should load:"
		cat "$tmp/err"
		exit 1
	}
}

# A CDI device name and device requests run (the host's CDI specs say what
# they are): both take them
printf '%s\n' 'services:
  web:
    image: ./rootfs
    devices: ["vendor.com/device=gpu"]
    gpus: [{driver: nvidia, count: 2}]
    deploy: {resources: {reservations: {devices: [{capabilities: [gpu], count: all}]}}}' \
	>"$tmp/cdi_device.yaml"
validate "$tmp/cdi_device.yaml" || { echo "FAIL: the schema refuses CDI devices"; exit 1; }
"$LXR" config -f "$tmp/cdi_device.yaml" >/dev/null || { echo "FAIL: lxr refuses CDI devices"; exit 1; }
refused device_rule 'services:
  web:
    image: ./rootfs
    device_cgroup_rules: ["c 1:3"]' \
	'4:27: error: service "web": device_cgroup_rules: "c 1:3" is not a device rule'
loaded awslogs 'services:
  web:
    image: ./rootfs
    logging: {driver: awslogs}'
# Forms of honoured keys that the net layer cannot do yet: loaded, not run.
loaded ephemeral_port 'services:
  web:
    image: ./rootfs
    ports: ["80"]'
loaded long_port_no_host 'services:
  web:
    image: ./rootfs
    ports: [{target: 80}]'
loaded sctp 'services:
  web:
    image: ./rootfs
    ports: ["8080:80/sctp"]'
loaded ipv6_host_ip 'services:
  web:
    image: ./rootfs
    ports: ["[::1]:8080:80"]'
loaded two_pools 'services:
  web: {image: ./rootfs}
networks:
  default:
    ipam:
      config: [{subnet: 10.88.0.0/24}, {subnet: 10.88.1.0/24}]'
loaded wide_subnet 'services:
  web: {image: ./rootfs}
networks:
  default:
    ipam:
      config: [{subnet: 10.0.0.0/8}]'
# A bridge option or driver lxr's bridges cannot honour loads (as with
# docker compose config); lxr up refuses it by name.
loaded net_driver_opt 'services:
  web: {image: ./rootfs}
networks:
  default:
    driver_opts: {com.docker.network.bridge.gateway_mode_ipv4: routed}'
refused bridge_name 'services:
  web: {image: ./rootfs}
networks:
  default:
    driver_opts: {com.docker.network.bridge.name: "br/0"}' \
	'5:19: error: network "default": driver_opts: "br/0" is not a name a bridge can have'
loaded net_driver 'services:
  web: {image: ./rootfs}
networks:
  default:
    driver: overlay'
refused service_net_key 'services:
  web:
    image: ./rootfs
    networks: {default: {ipv6_address: "fd00::zz"}}' \
	'4:40: error: service "web": ipv6_address "fd00::zz" is not an IPv6 address'
loaded external_secret 'services:
  web:
    image: ./rootfs
    secrets: [token]
secrets:
  token: {external: true}'
# A security option nobody knows is refused, not ignored.
refused security_opt 'services:
  web:
    image: ./rootfs
    security_opt: ["bogus=1"]' \
	'4:20: error: service "web": security_opt: unknown security option "bogus=1"'
# A value lxr refuses: a sysctl that is not namespaced would change the host.
refused sysctl 'services:
  web:
    image: ./rootfs
    sysctls: {vm.swappiness: 10}' \
	'4:15: error: service "web": sysctls: "vm.swappiness" is not namespaced: setting it in a container would change the host'
# A reservation key with no kernel setting behind it, which compose drops:
# the schema and lxr take it, and lxr says it is ignored.
printf '%s\n' 'services:
  web:
    image: ./rootfs
    deploy: {resources: {reservations: {pids: 10}}}' >"$tmp/reservation.yaml"
validate "$tmp/reservation.yaml" || { echo "FAIL: the schema refuses reservation.yaml, which lxr runs"; exit 1; }
"$LXR" config -f "$tmp/reservation.yaml" >/dev/null 2>"$tmp/err" || {
	echo "FAIL: reservation: lxr config refuses it:"
	cat "$tmp/err"
	exit 1
}
grep -q "reservations.pids is ignored, as docker compose ignores it" "$tmp/err" ||
	{ echo "FAIL: reservation: no warning:"; cat "$tmp/err"; exit 1; }
echo "ok: $n examples and $cases loader cases match the schema; schema == support table; refusals agree"
