# Image test helpers, sourced after lib.sh: an OCI layout built by hand from
# the busybox rootfs, and Debian's docker-registry on 127.0.0.1 for the test.
# Needs: docker-registry, skopeo, sha256sum, tar, gzip (packaging/setup.sh).

command -v docker-registry >/dev/null || skip "docker-registry not installed (packaging/setup.sh)"
command -v skopeo >/dev/null || skip "skopeo not installed (packaging/setup.sh)"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# oci_layout DIR ROOTFS TAG [extra config JSON for "config"]: a one-layer
# OCI image layout of ROOTFS, gzip layer, as any build tool would write it.
oci_layout() {
	local dir=$1 rootfs=$2 tag=$3 cfg=${4:-'{"Cmd":["/bin/sh"]}'}
	local work="$dir.work"
	mkdir -p "$dir/blobs/sha256" "$work"
	tar --numeric-owner -C "$rootfs" --exclude=./.complete -cf "$work/layer.tar" .
	local diffid; diffid=$(sha "$work/layer.tar")
	gzip -n -c "$work/layer.tar" > "$work/layer.tar.gz"
	local ldg; ldg=$(sha "$work/layer.tar.gz")
	local lsz; lsz=$(stat -c %s "$work/layer.tar.gz")
	mv "$work/layer.tar.gz" "$dir/blobs/sha256/$ldg"
	printf '{"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$cfg" "$diffid" > "$work/config.json"
	local cdg; cdg=$(sha "$work/config.json")
	local csz; csz=$(stat -c %s "$work/config.json")
	mv "$work/config.json" "$dir/blobs/sha256/$cdg"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
		"$cdg" "$csz" "$ldg" "$lsz" > "$work/manifest.json"
	local mdg; mdg=$(sha "$work/manifest.json")
	local msz; msz=$(stat -c %s "$work/manifest.json")
	mv "$work/manifest.json" "$dir/blobs/sha256/$mdg"
	printf '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
		"$mdg" "$msz" "$tag" > "$dir/index.json"
	rm -rf "$work"
	LAYOUT_LAYER=sha256:$ldg LAYOUT_MANIFEST=sha256:$mdg LAYOUT_DIFFID=sha256:$diffid
}

# Below the kernel's ephemeral range: a port in it may be taken by any
# outgoing connection between the check and the registry's bind.
free_port() {
	local p low
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	[ "$low" -gt 12000 ] || low=32768
	for _ in $(seq 50); do
		p=$((10000 + RANDOM % (low - 10000)))
		ss -ltn "sport = :$p" | grep -q ":$p" || { echo "$p"; return; }
	done
	fail "no free port"
}

# start_registry: REGISTRY=127.0.0.1:PORT (REGISTRY_AUTH: an auth: section), access log in $REGISTRY_LOG;
# stopped (and its storage removed with TEST_TMP) at exit.
start_registry() {
	local port; port=$(free_port)
	mkdir -p "$TEST_TMP/registry"
	cat > "$TEST_TMP/registry/config.yml" <<-C
	version: 0.1
	log:
	  level: info
	  accesslog:
	    disabled: false
	storage:
	  filesystem:
	    rootdirectory: $TEST_TMP/registry/storage
	  delete:
	    enabled: true
	http:
	  addr: 127.0.0.1:$port
	${REGISTRY_AUTH:-}
	C
	REGISTRY_LOG="$TEST_TMP/registry/log"
	docker-registry serve "$TEST_TMP/registry/config.yml" > "$REGISTRY_LOG" 2>&1 &
	REGISTRY_PID=$!
	at_exit "kill $REGISTRY_PID; wait $REGISTRY_PID"
	REGISTRY=127.0.0.1:$port
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$REGISTRY_PID" 2>/dev/null || fail "docker-registry exited: $(cat "$REGISTRY_LOG")"
		sleep 0.1
	done
	fail "docker-registry did not come up on $REGISTRY"
}

# push LAYOUT TAG REPO:TAG: copy an OCI layout into the test registry.
push() {
	skopeo copy -q --dest-tls-verify=false "oci:$1:$2" "docker://$REGISTRY/$3" >/dev/null ||
		fail "skopeo copy to $REGISTRY/$3"
}

# Number of blob GETs the registry served (layers and configs).
blob_gets() {
	grep -c 'GET /v2/[^ ]*/blobs/sha256:[0-9a-f]* HTTP' "$REGISTRY_LOG" || true
}
