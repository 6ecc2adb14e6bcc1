# SPDX-License-Identifier: Apache-2.0
# CMake toolchain file: cross-compile for Windows x86_64 with Debian's
# mingw-w64 (posix thread model, so std::thread/std::mutex work).
#
#   cmake -S . -B build-win \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/mingw/toolchain-x86_64-w64-mingw32.cmake \
#         [-DMINGW_DEPS_PREFIX=/path/to/prefix]
#
# Dependencies (prometheus-cpp, civetweb, yaml-cpp, googletest) are expected
# in MINGW_DEPS_PREFIX, as produced by cmake/mingw/build-deps.sh.  Resolution
# order: -DMINGW_DEPS_PREFIX=..., then $ENV{MINGW_DEPS_PREFIX}, then
# <repo>/build-mingw-deps/prefix.
#
# Everything is linked statically (libgcc, libstdc++, libwinpthread), so the
# resulting .exe only depends on system DLLs.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER   ${MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER  ${MINGW_TRIPLE}-windres)

# --- dependency prefix ------------------------------------------------------
if(NOT MINGW_DEPS_PREFIX)
  if(NOT "$ENV{MINGW_DEPS_PREFIX}" STREQUAL "")
    set(MINGW_DEPS_PREFIX "$ENV{MINGW_DEPS_PREFIX}")
  else()
    set(MINGW_DEPS_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../build-mingw-deps/prefix")
  endif()
endif()
get_filename_component(MINGW_DEPS_PREFIX "${MINGW_DEPS_PREFIX}" ABSOLUTE)
set(MINGW_DEPS_PREFIX "${MINGW_DEPS_PREFIX}" CACHE PATH
    "Prefix holding the cross-built Windows dependencies" FORCE)
# Toolchain files are re-read inside try_compile(); forward the prefix.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES MINGW_DEPS_PREFIX)

# Search target libraries/headers/packages only in the deps prefix and the
# mingw sysroot; host programs (wine, code generators, ...) on the host.
list(APPEND CMAKE_FIND_ROOT_PATH "${MINGW_DEPS_PREFIX}" "/usr/${MINGW_TRIPLE}")
list(APPEND CMAKE_PREFIX_PATH "${MINGW_DEPS_PREFIX}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# --- fully static runtime ---------------------------------------------------
# -static also pulls libwinpthread in statically (no libwinpthread-1.dll);
# Windows system import libraries (ws2_32, kernel32, ...) are unaffected.
set(_mingw_static_flags "-static -static-libgcc -static-libstdc++")
set(CMAKE_EXE_LINKER_FLAGS_INIT    "${_mingw_static_flags}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_mingw_static_flags}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "${_mingw_static_flags}")
unset(_mingw_static_flags)

set(BUILD_SHARED_LIBS OFF CACHE BOOL "Build shared libraries")

# --- run target binaries (add_test, gtest_discover_tests) under wine --------
# Note: gtest_discover_tests() runs the test .exe at *build* time through this
# emulator, so export WINEPREFIX (and WINEDEBUG=-all) before building, or wine
# initialises ~/.wine.
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(MINGW_WINE_EXECUTABLE NAMES wine64 wine PATHS /usr/lib/wine)
  if(MINGW_WINE_EXECUTABLE)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${MINGW_WINE_EXECUTABLE}")
  endif()
endif()
