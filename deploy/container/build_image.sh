#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds the exporter's container image offline: stages a root filesystem
# from a built binary and the exact shared libraries it loads, then runs
# `podman build` (or docker) on deploy/container/Containerfile.
#
# usage: deploy/container/build_image.sh [--binary PATH] [--tag TAG]
#            [--engine podman|docker] [--stage DIR]
#   --binary   exporter binary to package (default: build it in
#              build-deploy-image/, Release, no tests)
#   --tag      image name (default localhost/ephemeral-port-exporter:VERSION)
#   --engine   container CLI (default podman, else docker)
#   --stage    keep the staged tree in DIR (default: a temporary directory)
# Needs: cmake toolchain (when building), ldd, strip, setcap (libcap2-bin).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)

# Where the binaries go inside the image (tests/deploy/k8s_validate.py
# checks the DaemonSet's command against these lines).
plain_bin=/usr/bin/ephemeral_port_exporter
capped_bin=/usr/libexec/ephemeral_port_exporter/ephemeral_port_exporter
uid=10001

binary="" tag="" engine="" stage=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    *) echo "build_image: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$engine" ]; then
  if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi
for tool in ldd strip setcap "$engine"; do
  command -v "$tool" >/dev/null || { echo "build_image: $tool not found" >&2; exit 1; }
done

if [ -z "$binary" ]; then
  build=$repo/build-deploy-image
  extra=()
  grep -q 'cmake/packaging.cmake' "$repo/CMakeLists.txt" \
    || extra+=("-DCMAKE_PROJECT_INCLUDE=$repo/cmake/packaging.cmake")
  echo "build_image: building the exporter in $build"
  cmake -S "$repo" -B "$build" -DEPX_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release \
    "${extra[@]}" >/dev/null
  cmake --build "$build" -j2 >/dev/null
  binary=$build/exporter/ephemeral_port_exporter
fi
[ -x "$binary" ] || { echo "build_image: no executable at $binary" >&2; exit 1; }
version=$("$binary" --version | awk '{print $2}')
tag=${tag:-localhost/ephemeral-port-exporter:$version}

if [ -z "$stage" ]; then
  stage=$(mktemp -d /tmp/epx-image.XXXXXX)
  trap 'rm -rf "$stage"' EXIT
fi
root=$stage/rootfs
rm -rf "$root"
mkdir -p "$root"

# Libraries: every object ldd resolves, at the same path as on the build
# host (symlinks resolved), plus the program interpreter. Private libraries
# found through the binary's RPATH go to the system library directory:
# the file-capability copy runs in secure-execution mode, where the loader
# ignores $ORIGIN paths.
libdir=
while read -r name path; do
  case "$path" in
    /*) ;;
    *) continue ;;
  esac
  case "$path" in
    /lib/*|/lib64/*|/usr/lib/*|/usr/lib64/*) dest=$path ;;
    *) dest=PRIVATE:$name ;;
  esac
  if [ "$name" = libc.so.6 ]; then libdir=$(dirname "$path"); fi
  echo "$dest $path"
done < <(ldd "$binary" | awk '$2 == "=>" {print $1, $3} $1 ~ /^\// {print $1, $1}') \
  >"$stage/libs.txt"
[ -n "$libdir" ] || { echo "build_image: libc not found in ldd output" >&2; exit 1; }
while read -r dest path; do
  case "$dest" in PRIVATE:*) dest=$libdir/${dest#PRIVATE:} ;; esac
  mkdir -p "$root$(dirname "$dest")"
  cp -L "$path" "$root$dest"
done <"$stage/libs.txt"
# Merged /usr like Debian 12: /lib -> usr/lib, so the ELF interpreter and
# library paths resolve under either spelling.
if [ -d "$root/lib" ] && [ ! -e "$root/usr/lib" ]; then
  mkdir -p "$root/usr"
  mv "$root/lib" "$root/usr/lib"
  ln -s usr/lib "$root/lib"
fi

mkdir -p "$root$(dirname "$plain_bin")" "$root$(dirname "$capped_bin")"
strip --strip-unneeded -o "$root$plain_bin" "$binary"
cp "$root$plain_bin" "$root$capped_bin"
chmod 0755 "$root$plain_bin" "$root$capped_bin"
setcap cap_sys_ptrace,cap_dac_read_search+ep "$root$capped_bin"

mkdir -p "$root/etc/ephemeral_port_exporter" "$root/tmp" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
install -m 0644 "$repo/deploy/config/ephemeral-port-exporter.yml" \
  "$root/etc/ephemeral_port_exporter/config.yml"
cat >"$root/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/sbin/nologin
exporter:x:$uid:$uid:ephemeral port exporter:/nonexistent:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
cat >"$root/etc/group" <<GROUP
root:x:0:
exporter:x:$uid:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"

echo "build_image: staged $(du -sh "$root" | cut -f1) in $root ($(wc -l <"$stage/libs.txt") shared objects)"
cp "$repo/deploy/container/Containerfile" "$stage/Containerfile"
mkdir -p "$root/usr/share/doc/ephemeral_port_exporter"
install -m 0644 "$repo/LICENSE" "$root/usr/share/doc/ephemeral_port_exporter/LICENSE"
# Version, revision and build date from the binary, which has them from
# CMakeLists.txt and git (see cmake/build_stamp.cmake).
read -r revision created < <("$binary" --version |
  sed -nE 's/.*revision ([^,]+), built ([^)]+)\)$/\1 \2/p')
"$engine" build --quiet -f "$stage/Containerfile" -t "$tag" \
  --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.revision=${revision:-unknown}" \
  --label "org.opencontainers.image.created=${created:-unknown}" \
  "$stage" >/dev/null
echo "build_image: built $tag with $engine"
