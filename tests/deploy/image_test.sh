#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds the container image with podman (deploy/container/build_image.sh),
# checks its configuration (non-root user, entrypoint, size), exports the
# filesystem of a created-but-never-started container and runs the image's
# own binaries from that tree in a chroot (so no library can come from the
# host): --version, then a real serve + scrape on loopback as the image's
# uid. The file-capability copy (the Kubernetes path) must attribute a
# root-owned process's sockets; the plain entrypoint binary, run as the same
# uid, must not. (Containers cannot be started on this machine: the runtime
# cannot set rlimits; building and exporting work.)
#
# usage: tests/deploy/image_test.sh [exporter-binary]
#   default: build it in build-deploy-image/ (Release, no tests)
set -euo pipefail
# shellcheck source=tests/deploy/lib.sh
source "$(dirname "$0")/lib.sh"

binary=${1:-}
tag=localhost/ephemeral-port-exporter:image-test
plain_bin=/usr/bin/ephemeral_port_exporter
capped_bin=/usr/libexec/ephemeral_port_exporter/ephemeral_port_exporter
work=$(mktemp -d /tmp/epx-image-test.XXXXXX)
pids=()
container=

cleanup() {
  local p
  for p in "${pids[@]}"; do stop_pid "$p"; done
  umount "$work/tree/proc" 2>/dev/null || true
  [ -z "$container" ] || podman rm -f "$container" >/dev/null 2>&1 || true
  podman rmi -f "$tag" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || skip "needs root (chroot, mounts, file capabilities)"

step "dependencies"
if ! command -v podman >/dev/null; then
  apt_install podman >/dev/null 2>&1 || true
  command -v podman >/dev/null || skip "podman missing and not installable here"
fi
bash "$repo/deploy/deps.sh" >/dev/null
apt_install libcap2-bin binutils curl python3 util-linux tar
ok "$(podman --version)"

step "build the image"
start=$SECONDS
args=(--tag "$tag" --stage "$work/stage")
[ -z "$binary" ] || args+=(--binary "$binary")
bash "$repo/deploy/container/build_image.sh" "${args[@]}"
ok "built in $((SECONDS - start)) s"

step "image configuration"
user=$(podman image inspect --format '{{.Config.User}}' "$tag")
[ -n "$user" ] || fail "no User configured (would run as root)"
uid=${user%%:*}
gid=${user#*:}
[[ "$uid" =~ ^[0-9]+$ ]] && [ "$uid" -ne 0 ] || fail "User '$user' is not a numeric non-root uid"
ok "User $user (non-root, numeric: runAsNonRoot can verify it)"
entry=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$tag")
[ "$entry" = "[\"$plain_bin\"]" ] || fail "entrypoint $entry"
ok "entrypoint $entry"
grep -q '19152' <<<"$(podman image inspect --format '{{json .Config.ExposedPorts}}' "$tag")" \
  || fail "port 19152 not exposed"
size=$(podman image inspect --format '{{.Size}}' "$tag")
[ "$size" -lt $((40 * 1024 * 1024)) ] || fail "image is $size bytes (> 40 MiB)"
ok "size $((size / 1024 / 1024)) MiB, exposes 19152"
labels=$(podman image inspect --format '{{json .Config.Labels}}' "$tag")
grep -q '"org.opencontainers.image.licenses":"Apache-2.0"' <<<"$labels" || fail "license label: $labels"
want_version=$(sed -nE 's/^project\(ephemeral_port_exporter VERSION ([0-9.]+).*/\1/p' "$repo/CMakeLists.txt")
grep -q '"org.opencontainers.image.version":"'"$want_version"'"' <<<"$labels" || fail "version label: $labels"
grep -Eq '"org.opencontainers.image.revision":"[0-9a-f]{12}' <<<"$labels" || fail "revision label: $labels"
ok "labels: Apache-2.0, version $want_version (CMakeLists.txt), revision and created from the binary"

step "unpack the filesystem (podman create + export, never started)"
container=$(podman create "$tag")
mkdir -p "$work/tree"
podman export "$container" | tar --xattrs --xattrs-include='security.*' -x -C "$work/tree"
tree=$work/tree
for f in $plain_bin $capped_bin /etc/ephemeral_port_exporter/config.yml /etc/passwd; do
  [ -e "$tree$f" ] || fail "image lacks $f"
done
grep -q "^[^:]*:x:$uid:" "$tree/etc/passwd" || fail "uid $uid not in the image's /etc/passwd"
[ -z "$(find "$tree" -perm -4000 -o -perm -2000 | head -1)" ] || fail "setuid/setgid files in the image"
fcaps=$(getcap "$tree$capped_bin" | sed 's/^[^ ]* //')
[ "$fcaps" = "cap_dac_read_search,cap_sys_ptrace=ep" ] || fail "file capabilities of $capped_bin: '$fcaps'"
[ -z "$(getcap "$tree$plain_bin")" ] || fail "$plain_bin must not carry file capabilities"
ok "binaries, config, passwd entry for $uid; $capped_bin has $fcaps; no setuid files"

step "run from the unpacked tree (chroot: nothing from the host)"
out=$(chroot --userspec="$uid:$gid" "$tree" $plain_bin --version) || fail "--version in chroot"
ok "$out"
chroot --userspec="$uid:$gid" "$tree" $plain_bin \
  --config.file=/etc/ephemeral_port_exporter/config.yml --config.check >/dev/null \
  || fail "--config.check of the image's config"
ok "image config passes --config.check"

# A root-owned process holding 6 ports, for attribution.
python3 "$repo/tests/deploy/socket_holder.py" >"$work/holder.out" & holder=$!
pids+=("$holder")
for _ in $(seq 50); do grep -q ready "$work/holder.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/holder.out" || fail "holder did not start"

# serve NAME BINARY: runs BINARY from the tree as uid:gid in a private mount
# namespace with the host's /proc bound into the tree, scrapes it once.
serve() {
  local name=$1 bin=$2 port pid
  port=$(free_port)
  unshare --mount --propagation private bash -c '
    mount --bind /proc "$1/proc" && exec chroot --userspec="$2" "$1" "$3" \
      --config.file=/etc/ephemeral_port_exporter/config.yml \
      --web.listen-address=127.0.0.1:"$4"' _ "$tree" "$uid:$gid" "$bin" "$port" \
    >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_http "http://127.0.0.1:$port/-/healthy" 20 || { cat "$work/$name.log"; fail "$name did not come up"; }
  curl -fsS --max-time 20 "http://127.0.0.1:$port/metrics" >"$work/$name.prom"
  exporter_pid=$(pgrep -P "$pid" -x ephemeral_port_ || pgrep -f "127.0.0.1:$port" | grep -v "^$pid$" | head -1 || true)
  status=$(grep -E '^(Uid|CapEff)' "/proc/${exporter_pid:-$pid}/status" | tr '\t' ' ' | tr '\n' ' ')
  stop_pid "$pid"
}

serve plain $plain_bin
grep -q '^ephemeral_port_build_info{' "$work/plain.prom" || fail "no build_info in the scrape"
grep -q '^ephemeral_port_exhaustion_ratio{protocol="tcp"}' "$work/plain.prom" || fail "no headline in the scrape"
grep -q '^ephemeral_port_collector_success{collector="sockets"} 1' "$work/plain.prom" || fail "sockets collector failed"
! grep -q "pid=\"$holder\"" "$work/plain.prom" || fail "plain binary attributed a root process without capabilities"
ok "plain entrypoint as $uid: serves /metrics (headline, build_info, sockets collector ok) [$status]; root-owned holder not attributed"

serve capped $capped_bin
grep -q 'CapEff: 0000000000080004' <<<"$status" || fail "file capabilities not effective: $status"
n=$(awk -v m="ephemeral_port_process_in_use{protocol=\"tcp\",process=\"python3\",pid=\"$holder\"}" '$1 == m {print $2}' "$work/capped.prom")
[ "$n" = 6 ] || fail "capped binary attributed '$n' ports to the root-owned holder, want 6"
ok "file-capability binary as $uid [$status]: root-owned holder attributed 6 tcp ports"
echo "image_test: PASS"
