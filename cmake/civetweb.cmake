# SPDX-License-Identifier: Apache-2.0
# civetweb for the exporter. Windows (mingw): the static build of
# cmake/mingw/build-deps.sh in MINGW_DEPS_PREFIX. Linux: the static build of
# cmake/civetweb/build-civetweb.sh (Debian's civetweb source with IPv6 and
# OpenSSL 3), run here when its cache is missing or stale.
if(WIN32)
  find_package(civetweb CONFIG REQUIRED)
  return()
endif()
set(EPX_CIVETWEB_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../build-civetweb/prefix"
    CACHE PATH "Prefix of the static civetweb built by cmake/civetweb/build-civetweb.sh")
execute_process(
  COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/civetweb/build-civetweb.sh"
          "${EPX_CIVETWEB_PREFIX}"
  RESULT_VARIABLE epx_civetweb_rc)
if(NOT epx_civetweb_rc EQUAL 0)
  message(FATAL_ERROR "cmake/civetweb/build-civetweb.sh failed (see above)")
endif()
# A build directory configured before this file existed has Debian's
# shared civetweb cached as civetweb_DIR: forget it.
get_filename_component(epx_civetweb_prefix "${EPX_CIVETWEB_PREFIX}" REALPATH)
get_filename_component(epx_civetweb_dir "${civetweb_DIR}" REALPATH)
string(FIND "${epx_civetweb_dir}" "${epx_civetweb_prefix}" epx_civetweb_at)
if(civetweb_DIR AND NOT epx_civetweb_at EQUAL 0)
  unset(civetweb_DIR CACHE)
endif()
find_package(civetweb CONFIG REQUIRED PATHS "${EPX_CIVETWEB_PREFIX}"
             NO_DEFAULT_PATH)
