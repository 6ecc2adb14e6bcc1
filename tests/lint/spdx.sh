#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every source file of the repository (C, C++, shell, Python, CMake,
# PowerShell) names its license in its first lines:
#   SPDX-License-Identifier: Apache-2.0
# (the BPF programs, which the kernel loads under the GPL: "Apache-2.0 OR
# GPL-2.0-only"). Lists the files that lack it.
# usage: spdx.sh SOURCE_DIR
source "$(dirname "$0")/lib.sh"
src=$1
cd "$src"
mapfile -t files < <(tracked_files . '*.cc' '*.h' '*.c' '*.h.in' '*.sh' '*.py' '*.cmake' \
  'CMakeLists.txt' '*/CMakeLists.txt' '*.ps1' '.ci/run' 'deploy/linux/postinst' \
  'deploy/linux/postrm' 'deploy/linux/prerm' | sort -u)
missing=()
for f in "${files[@]}"; do
  case $f in
    *.bpf.c) want='SPDX-License-Identifier: (Apache-2.0 OR GPL-2.0-only)' ;;
    *) want='SPDX-License-Identifier: Apache-2.0' ;;
  esac
  head -n 3 "$f" | grep -qF "$want" || missing+=("$f")
done
if [ ${#missing[@]} -ne 0 ]; then
  printf '%s\n' "${missing[@]}" | head -40
  echo "FAIL: ${#missing[@]} of ${#files[@]} files lack an SPDX-License-Identifier line in their first 3 lines"
  exit 1
fi
echo "ok: ${#files[@]} source files carry their SPDX license identifier"
