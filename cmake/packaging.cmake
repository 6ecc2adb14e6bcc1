# SPDX-License-Identifier: Apache-2.0
# Debian package of the exporter: `cpack -G DEB` in a build directory.
#
# Included from the top CMakeLists.txt after add_subdirectory(exporter). Adds
# the Linux service files to the install rules (absolute paths under /etc
# and /lib/systemd: set EPX_INSTALL_SERVICE_FILES=OFF for a plain
# `cmake --install --prefix` into a private tree) and configures CPack.
#
#   cmake -S . -B build-deb -DEPX_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-deb -j2
#   (cd build-deb && cpack -G DEB)   # -> ephemeral-port-exporter_<ver>_<arch>.deb
#
# Package layout:
#   /usr/bin/ephemeral_port_exporter
#   /etc/ephemeral_port_exporter/config.yml    conffile (deploy/config/...)
#   /etc/default/ephemeral-port-exporter       conffile, ARGS for the unit
#   /lib/systemd/system/ephemeral-port-exporter.service
#   /usr/share/ephemeral-port-exporter/        Prometheus rules, dashboards
#   /usr/share/doc/ephemeral-port-exporter/    README, CHANGELOG, copyright
#                                              (Apache-2.0, DEP-5 format),
#                                              docs/ (the README links there)
# The maintainer scripts in deploy/linux create the system user
# `ephemeral-port-exporter` and enable the service.

include_guard(GLOBAL)
if(NOT UNIX OR APPLE)
  return()
endif()

option(EPX_INSTALL_SERVICE_FILES
       "Install /etc config and the systemd unit (for packages)" ON)

set(EPX_DEB_NAME ephemeral-port-exporter)
set(EPX_LINUX_DIR ${PROJECT_SOURCE_DIR}/deploy/linux)

if(EPX_INSTALL_SERVICE_FILES)
  install(FILES ${PROJECT_SOURCE_DIR}/deploy/config/ephemeral-port-exporter.yml
          DESTINATION /etc/ephemeral_port_exporter RENAME config.yml
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  install(FILES ${EPX_LINUX_DIR}/ephemeral-port-exporter.default
          DESTINATION /etc/default RENAME ${EPX_DEB_NAME}
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  install(FILES ${EPX_LINUX_DIR}/ephemeral-port-exporter.service
          DESTINATION /lib/systemd/system
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/deploy/prometheus/ephemeral-port-rules.yml
        DESTINATION share/${EPX_DEB_NAME}/prometheus)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/dashboards/
        DESTINATION share/${EPX_DEB_NAME}/dashboards
        FILES_MATCHING PATTERN "*.json")
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${EPX_LINUX_DIR}/copyright
        DESTINATION share/doc/${EPX_DEB_NAME})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/
        DESTINATION share/doc/${EPX_DEB_NAME}/docs
        FILES_MATCHING PATTERN "*.md")

# The conffiles list, for dpkg to keep local edits across upgrades.
set(EPX_DEB_CONTROL_DIR ${PROJECT_BINARY_DIR}/deb-control)
file(MAKE_DIRECTORY ${EPX_DEB_CONTROL_DIR})
configure_file(${EPX_LINUX_DIR}/conffiles.in ${EPX_DEB_CONTROL_DIR}/conffiles
               COPYONLY)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${EPX_DEB_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "ephemeral_port_exporter project")
set(CPACK_PACKAGE_CONTACT "ephemeral_port_exporter maintainers <root@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Prometheus exporter for TCP/UDP ephemeral port usage")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"Watches the dynamic port range of the host and reports how close an
outbound connect() is to failing for lack of a local port: range and
capacity, ports in use per protocol, local address, process, service and
destination, socket states and connection churn.

The service runs as the system user ephemeral-port-exporter with only
CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (for per-process attribution) and
listens on port 19152.")
# Runtime libraries (libprometheus-cpp-core, libyaml-cpp, libssl3, libcrypt1,
# zlib1g, libstdc++6, ...) come from dpkg-shlibdeps on the
# packaged binary; the rest is what the maintainer scripts call.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, init-system-helpers (>= 1.52)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${EPX_LINUX_DIR}/postinst ${EPX_LINUX_DIR}/prerm ${EPX_LINUX_DIR}/postrm
    ${EPX_DEB_CONTROL_DIR}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# No source package from here: the git tree is the source.
set(CPACK_SOURCE_GENERATOR "")

include(CPack)
