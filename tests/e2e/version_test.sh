#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The binary says what was built: --version and ephemeral_port_build_info
# carry the version of CMakeLists.txt, the git revision of the source tree
# and the commit's time as build date (not the clock of the build).
# usage: version_test.sh EXPORTER SOURCE_DIR FIXTURE_PROCFS
EXPORTER=$1
SOURCE_DIR=$2
FIXTURE=$3
source "$(dirname "$0")/lib.sh"

if ! git -C "$SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
  echo "SKIPPED: $SOURCE_DIR is not a git checkout, revision is 'unknown'"
  exit 77
fi
want_version=$(sed -nE 's/^project\(ephemeral_port_exporter VERSION ([0-9.]+).*/\1/p' \
  "$SOURCE_DIR/CMakeLists.txt")
want_revision=$(git -C "$SOURCE_DIR" rev-parse --short=12 HEAD)
want_date=$(TZ=UTC git -C "$SOURCE_DIR" log -1 \
  --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)
[ -z "${SOURCE_DATE_EPOCH:-}" ] ||
  want_date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

line=$("$EXPORTER" --version)
re='^ephemeral_port_exporter ([^ ]+) \(([a-z]+), revision ([^,]+), built ([^)]+)\)$'
[[ $line =~ $re ]] || fail "--version does not parse: $line"
version=${BASH_REMATCH[1]} revision=${BASH_REMATCH[3]} date=${BASH_REMATCH[4]}
[ "$version" = "$want_version" ] || fail "--version says $version, CMakeLists.txt $want_version"
[ "${revision%-dirty}" = "$want_revision" ] ||
  fail "--version says revision $revision, HEAD is $want_revision (rebuild?)"
[ "$date" = "$want_date" ] || fail "--version says built $date, the commit time is $want_date"
echo "ok: --version: $line"

start_exporter "$TMP_DIR/log" --source=procfs --path.procfs="$FIXTURE"
info=$(curl -fsS "http://127.0.0.1:$EXPORTER_PORT/metrics" | grep '^ephemeral_port_build_info{')
for label in "version=\"$version\"" "revision=\"$revision\"" "build_date=\"$date\""; do
  grep -qF "$label" <<<"$info" || fail "build_info lacks $label: $info"
done
echo "ok: $info"
