#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora under tests/fuzz/corpus/<target>/ (run from the
repository root or anywhere; it finds tests/fixtures next to itself)."""
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
FIX = HERE.parent / "fixtures"
OUT = HERE / "corpus"


def put(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    (d / name).write_bytes(data)


def fixture(*parts):
    return (FIX.joinpath(*parts)).read_bytes()


# /proc/net/*: first byte = kind (bit0 udp, bit1 ipv6).
for kind, name in enumerate(["tcp", "udp", "tcp6", "udp6"]):
    text = fixture("procfs", "net", name)
    put("procfs_net", name, bytes([kind]) + text)
    put("procfs_net", name + "_truncated", bytes([kind]) + text[: len(text) // 2 + 7])
put("procfs_net", "huge_line", b"\x00" + b"  sl  local_address\n" + b"A" * 66000 + b"\n")
put("procfs_net", "bad_hex", b"\x00  sl\n   0: ZZZZZZZZ:GGGG 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n")
put("procfs_net", "overflow_fields", b"\x02  sl\n   0: FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:FFFFFF 0:0 FF 0:0 0:0 0 -1 99999999999999999999999 1\n")
put("procfs_net", "empty", b"\x01")

# netlink dumps: byte0 = protocol, byte1 = split into two buffers if odd.
for i, name in enumerate(["tcp4", "tcp6", "udp4", "udp6"]):
    dump = fixture("netlink", name + ".bin")
    proto = 1 if name.startswith("udp") else 0
    put("inet_diag", name, bytes([proto, 0]) + dump[:4096])
    put("inet_diag", name + "_split", bytes([proto, 1]) + dump[:4096])
    put("inet_diag", name + "_truncated", bytes([proto, 0]) + dump[: 16 + 40])
put("inet_diag", "huge_length", bytes([0, 0]) + (0xFFFFFFFF).to_bytes(4, "little") + (20).to_bytes(2, "little") + b"\x00" * 10)
put("inet_diag", "zero_length", bytes([0, 0]) + b"\x00" * 32)
put("inet_diag", "error_msg", bytes([0, 0]) + (36).to_bytes(4, "little") + (2).to_bytes(2, "little") + b"\x00" * 10 + (-13).to_bytes(4, "little", signed=True) + b"\x00" * 16)

# sysctl text.
for i, text in enumerate(["32768\t60999\n", "1024 65535", "60999 32768\n", "0 0\n",
                          "70000 80000\n", "1-\n", "8080,9000-9010\n", "", "\n",
                          "65535-1,\n", "9" * 5000, "1," * 20000 + "1\n", "\xff\xfe\n"]):
    put("sysctl", f"seed{i}", text)
put("sysctl", "fixture_range", fixture("procfs", "sys", "net", "ipv4", "ip_local_port_range"))

# /proc/net/snmp.
snmp = fixture("procfs", "net", "snmp")
put("snmp", "fixture", snmp)
put("snmp", "truncated", snmp[: len(snmp) // 2])
put("snmp", "header_only", b"Tcp: RtoAlgorithm RtoMin ActiveOpens\n")
put("snmp", "mismatch", b"Tcp: A B ActiveOpens PassiveOpens\nTcp: 1\n")
put("snmp", "huge_values", b"Tcp: ActiveOpens PassiveOpens AttemptFails\nTcp: 99999999999999999999999 -5 x\n")

# /proc/<pid> pieces.
put("proc_process", "socket_link", "socket:[12345]")
put("proc_process", "socket_link_overflow", "socket:[999999999999999999999999]")
put("proc_process", "socket_link_open", "socket:[")
put("proc_process", "cgroup", fixture("procfs", "1234", "cgroup"))
put("proc_process", "cgroup_v1", "12:pids:/system.slice/nginx.service\n1:name=systemd:/user.slice/user-0.slice/session-1.scope\n0::/\n")
put("proc_process", "comm_non_utf8", b"nginx\xff\xfe\xc3(\n")
put("proc_process", "comm_quotes", 'evil"name\\with\nnewline\n')

# Exporter config YAML.
for p in sorted((FIX / "config").glob("*.yml")):
    put("config_yaml", p.name, p.read_bytes())
put("config_yaml", "deep_nesting", "web: " + "[" * 64 + "]" * 64 + "\n")
put("config_yaml", "anchors", "a: &x [1, 2]\nb: *x\nweb: *x\n")
put("config_yaml", "huge_number", "limits:\n  top_processes: " + "9" * 400 + "\n")
put("config_yaml", "non_utf8", b"watched_services: [\"\xff\xfe\"]\n")
put("config_yaml", "watch_bad_entries",
    "watch:\n  destinations: [\"[2001:db8::1\", 10.0.0.0/99:0]\n"
    "  processes: [\"x[\", \"[z-a]\"]\n  local_addresses: [\"::ffff:1.2.3.4/200\"]\n")

# Command lines, NUL separated.
for i, args in enumerate([
        ["--web.listen-address=:19152", "--top.processes=5"],
        ["report", "--watch=0.5"],
        ["--service"],
        ["--no-collector.processes", "--collector.tcp_stats=false"],
        ["--web.config.file=/tmp/x.yml", "--config.check"],
        ["--top.destinations=99999999999"],
        ["--watch=nan"],
        ["--web.telemetry-path=relative"],
        ["serve", "--source=procfs", "--path.procfs="],
        ["--\xff=\xfe"]]):
    put("flags", f"seed{i}", "\0".join(args))

# Web config.
HASH = "$2b$10$XJ6qxQY/ikG0oSLBTG42KOi3OQU05JaEt.xP.vm8zX8mbsP7Zf2.a"
put("web_config", "full", f"""tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  min_version: TLS12
  max_version: TLS13
http_server_config:
  http2: true
  headers:
    X-Frame-Options: deny
    Content-Security-Policy: "default-src 'self'"
basic_auth_users:
  alice: {HASH}
""")
put("web_config", "plain_password", "basic_auth_users:\n  bob: hunter2\n")
put("web_config", "header_injection", 'http_server_config:\n  headers:\n    X-XSS-Protection: "1\\r\\nSet-Cookie: x"\n')
put("web_config", "unsupported", "rate_limit:\n  interval: 1s\n  burst: 2\n")
put("web_config", "empty_tls", "tls_server_config: {}\n")
put("web_config", "broken", "tls_server_config: [\n")

# Exposition: NUL-separated hostile label values.
put("exposition", "escapes", "\0".join(['quote"d', "back\\slash", "new\nline", "tab\there", "}", "{a=\"b\"}", "x y", "=", ""]))
put("exposition", "non_utf8", b"\0".join([b"nginx\xff", b"\xc3(", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"ok"]))
put("exposition", "long_name", "p" * 70000)
put("exposition", "emoji", "\0".join(["caf\u00e9", "\U0001F600", "\u202e"]))
