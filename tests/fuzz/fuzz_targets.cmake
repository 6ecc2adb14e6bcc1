# SPDX-License-Identifier: Apache-2.0
# Every fuzz target: tests/fuzz/<name>_fuzzer.cc with seeds in corpus/<name>/.
# Windows parsers (netsh text, event records) go here when they exist, e.g.
#   netsh_dynamicport  -> exporter/sources/netsh_parser.h
#   event_record       -> the Tcpip 4227/4231 event parser
set(EPX_FUZZ_TARGETS
  procfs_net
  inet_diag
  sysctl
  snmp
  proc_process
  config_yaml
  flags
  web_config
  exposition
)
