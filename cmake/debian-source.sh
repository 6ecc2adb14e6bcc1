# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Sourced by the dependency build scripts: Debian source packages with
# `apt-get source`. Needs root (or sudo) for the deb-src entry.

# Adds deb-src entries mirroring the configured Debian deb entries.
setup_deb_src() {
  local sudo=() list
  ((EUID == 0)) || sudo=(sudo)
  if grep -rqsE '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/ ||
    grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
    echo "deb-src already configured"
    return 0
  fi
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    list=/etc/apt/sources.list.d/deb-src.sources
    sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | "${sudo[@]}" tee "$list"
  elif grep -qsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
    list=/etc/apt/sources.list.d/deb-src.list
    sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list | "${sudo[@]}" tee "$list"
  else
    echo "no Debian apt source found to derive deb-src from" >&2
    return 1
  fi
}

# fetch_debian_sources <dir> <source-package...>: unpacks them (patched) in
# a fresh <dir>.
fetch_debian_sources() {
  local dir=$1 sandbox=()
  shift
  rm -rf "$dir"
  mkdir -p "$dir"
  ((EUID == 0)) && sandbox=(-o APT::Sandbox::User=root)
  (cd "$dir" && apt-get -q "${sandbox[@]}" source --only-source "$@")
}

# debian_srcdir <dir> <source-package>: the unpacked tree of that package.
debian_srcdir() {
  local d
  d=$(find "$1" -mindepth 1 -maxdepth 1 -type d -name "$2-*" | head -n1)
  [[ -n $d ]] || { echo "source dir for $2 not found in $1" >&2; return 1; }
  echo "$d"
}

# fetch_debian_source_available <dir> <source-package>: unpacks into <dir>
# the newest version of the package whose files the mirror can serve (a
# security update's files may lag behind its index entry).
fetch_debian_source_available() {
  local dir=$1 pkg=$2 sandbox=() v
  ((EUID == 0)) && sandbox=(-o APT::Sandbox::User=root)
  mkdir -p "$dir"
  for v in $(apt-cache showsrc "$pkg" | awk '/^Version:/ {print $2}' | sort -urV); do
    if (cd "$dir" && apt-get -q "${sandbox[@]}" source --only-source "$pkg=$v"); then
      return 0
    fi
    echo "$pkg $v: source files not available, trying an older version"
  done
  echo "no version of source package $pkg could be fetched" >&2
  return 1
}
