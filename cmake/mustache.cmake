# SPDX-License-Identifier: Apache-2.0
# HTML pages: kainjow mustache (Debian libkainjow-mustache-dev), header-only
# and shipping no CMake config; the Windows cross build copies the build
# host's header alone into the build tree, as for nlohmann-json.
if(WIN32)
  find_path(EPX_MUSTACHE_DIR kainjow/mustache.hpp PATHS /usr/include
            NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)
  file(COPY ${EPX_MUSTACHE_DIR}/kainjow
       DESTINATION ${CMAKE_BINARY_DIR}/kainjow-mustache/include)
  set(EPX_MUSTACHE_DIR ${CMAKE_BINARY_DIR}/kainjow-mustache/include)
else()
  find_path(EPX_MUSTACHE_DIR kainjow/mustache.hpp REQUIRED)
endif()
add_library(epx_mustache INTERFACE)
target_include_directories(epx_mustache SYSTEM INTERFACE ${EPX_MUSTACHE_DIR})
