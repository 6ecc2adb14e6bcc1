#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Installs what building (and, with --test, testing) the exporter needs,
# from Debian 12's own packages. Safe to run again; needs root.
set -euo pipefail

packages=(cmake g++ make prometheus-cpp-dev libyaml-cpp-dev
          libgtest-dev libgmock-dev libssl-dev libcrypt-dev
          clang-14 bpftool libbpf-dev libelf-dev zlib1g-dev cmark python3
          nlohmann-json3-dev libkainjow-mustache-dev)
if [ "${1:-}" = "--test" ]; then
  packages+=(curl iproute2 util-linux python3 python3-yaml procps prometheus
             prometheus-alertmanager prometheus-node-exporter victoria-metrics dpkg-dev podman
             libcap2-bin binutils systemd clang-14 libclang-rt-14-dev
             libfuzzer-14-dev wrk openssl wixl chromium chromium-driver
             python3-selenium clang-format-14 clang-tidy-14 shellcheck pyflakes3
             msitools git)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
