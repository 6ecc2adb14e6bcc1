# SPDX-License-Identifier: Apache-2.0
# Writes build_stamp.h: the git revision of the source tree and the build
# date. The date is the commit's time (or SOURCE_DATE_EPOCH when set), not
# the clock, so two builds of one commit are identical. Run at every build
# with `cmake -DSOURCE_DIR=... -DOUTPUT=... -P build_stamp.cmake`; the file
# is rewritten only when its content changes.

set(revision "unknown")
set(epoch "")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
                  WORKING_DIRECTORY "${SOURCE_DIR}"
                  OUTPUT_VARIABLE git_revision
                  OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE git_status ERROR_QUIET)
  if(git_status EQUAL 0 AND NOT git_revision STREQUAL "")
    set(revision "${git_revision}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" log -1 --format=%ct
                    WORKING_DIRECTORY "${SOURCE_DIR}"
                    OUTPUT_VARIABLE epoch
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND "${GIT_EXECUTABLE}" status --porcelain
                            --untracked-files=no
                    WORKING_DIRECTORY "${SOURCE_DIR}"
                    OUTPUT_VARIABLE git_changes
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT git_changes STREQUAL "")
      string(APPEND revision "-dirty")
    endif()
  endif()
endif()
if(DEFINED ENV{SOURCE_DATE_EPOCH})
  set(epoch "$ENV{SOURCE_DATE_EPOCH}")
endif()

if(epoch MATCHES "^[0-9]+$")
  set(ENV{SOURCE_DATE_EPOCH} "${epoch}")
  string(TIMESTAMP build_date "%Y-%m-%dT%H:%M:%SZ" UTC)
else()
  set(build_date "unknown")
endif()

set(content "#pragma once

/// Git revision of the tree this binary was built from (\"-dirty\" when it
/// had uncommitted changes), or \"unknown\" outside a git checkout.
#define EPX_REVISION \"${revision}\"
/// The commit's time (or SOURCE_DATE_EPOCH), ISO 8601 in UTC.
#define EPX_BUILD_DATE \"${build_date}\"
")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
else()
  set(old "")
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUTPUT}" "${content}")
endif()
