// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/host_source.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iterator>
#include <system_error>
#include <thread>
#include <utility>

#include "sources/collector_runner.h"
#include "sources/linux/connect_event_records.h"
#include "sources/linux/file_reader.h"
#include "sources/linux/netlink_dump.h"
#include "sources/linux/procfs_net_parser.h"
#include "sources/linux/process_scanner.h"
#include "sources/linux/snmp_parser.h"
#include "sources/linux/sysctl_parser.h"

namespace epx {
namespace {

std::string Join(const std::string& root, const char* relative) {
  return root + "/" + relative;
}

}  // namespace

LinuxHostSource::LinuxHostSource(SourceOptions options)
    : options_(std::move(options)),
      scanner_(options_.procfs_root),
      connect_events_(options_.collect_namespaces),
      namespaces_(options_.procfs_root, options_.namespace_bound_sockets) {
  if (options_.socket_source == "auto") {
    ChooseSocketSource();
  } else if (options_.socket_source == "bpf") {
    std::string later;  // logged by the first collection
    socket_iterators_.Load(&later);
  }
  if (options_.collect_connect_events) connect_events_.Start();
  std::string text, ignored;
  if (!ReadFile(Join(options_.procfs_root, "sys/kernel/osrelease"), &text) ||
      !ParseKernelRelease(text, &kernel_, &ignored)) {
    kernel_ = KernelVersion{};
  }
}

void LinuxHostSource::ChooseSocketSource() {
  std::string why;
  bool bpf = socket_iterators_.Load(&why);
  options_.socket_source = bpf ? "bpf" : "netlink";
  if (bpf) why = "the socket iterators loaded";
  choice_ = "level=info msg=\"socket source chosen\" source=" +
            options_.socket_source + " reason=\"" + why + "\"\n";
}

std::string LinuxHostSource::SocketSourceInUse() const {
  return options_.socket_source;
}

Snapshot LinuxHostSource::Collect() {
  if (!choice_.empty()) {
    std::fputs(choice_.c_str(), stderr);
    choice_.clear();
  }
  Snapshot snapshot;
  if (last_socket_count_ == 0)
    last_socket_count_ = ReadSocketCountHint(options_.procfs_root);
  if (!options_.keep_sockets)
    snapshot.sockets.reserve(last_socket_count_ + last_socket_count_ / 8 + 64);
  snapshot.tcp_rule = ExhaustionRule::kPerDestination;
  snapshot.owners_from_inodes = true;
  snapshot.udp_rule = ExhaustionRule::kHostWide;
  // inet_diag dumps bound-only TCP sockets since Linux 6.8; /proc/net
  // never lists them.
  snapshot.bound_sockets_visible =
      options_.socket_source != "procfs" && kernel_.AtLeast(6, 8);
  bool sockets_ok = false;
  RunCollector("sockets", &snapshot, [&](std::string* error) {
    sockets_ok = CollectSockets(&snapshot, error);
    return sockets_ok;
  });
  // Linux 6.18 ("tcp: Update bind bucket state on port release") frees a
  // bucket that only connect()-made sockets still own.
  if (sockets_ok)
    snapshot.tcp_bucket_ports =
        buckets_.Update(snapshot.sockets, kernel_.AtLeast(6, 18));
  RunCollector("port_range", &snapshot, [&](std::string* error) {
    return ReadPortRangeSysctls(options_.procfs_root, &snapshot, error) &&
           ReadTimeWaitReuseSysctls(options_.procfs_root, &snapshot, error);
  });
  if (options_.collect_processes) {
    RunCollector("processes", &snapshot, [&](std::string* error) {
      return CollectProcesses(&snapshot, error);
    });
  }
  if (options_.collect_tcp_stats) {
    RunCollector("tcp_stats", &snapshot, [&](std::string* error) {
      return CollectTcpStats(&snapshot, error);
    });
  }
  if (options_.collect_connect_events) {
    RunCollector("connect_events", &snapshot, [&](std::string* error) {
      return connect_events_.Read(&snapshot.connect_events, error);
    });
  }
  if (options_.collect_namespaces) {
    RunCollector("namespaces", &snapshot, [&](std::string* error) {
      return namespaces_.Collect(&snapshot.namespaces, error);
    });
    if (snapshot.connect_events.namespaces_counted) {
      ScannedNamespaces scanned(snapshot.namespaces);
      scanned.KeepRead(&snapshot.connect_events);
      connect_events_.ForgetNamespaces(
          [&](std::uint64_t netns, std::uint64_t cookie) {
            return scanned.Of(netns, cookie) == ScannedNamespaces::State::kGone;
          });
    }
  }
  last_socket_count_ = snapshot.sockets.size();
  return snapshot;
}

bool LinuxHostSource::CollectSockets(Snapshot* snapshot, std::string* error) {
  std::vector<std::string> errors;
  bool ok;
  if (options_.socket_source == "bpf" && ReadBpfSockets(snapshot, error)) {
    ok = error->empty();
  } else {
    ok = options_.socket_source == "procfs"
             ? ReadProcNetFiles(&snapshot->sockets, &errors)
             : DumpSockets(&snapshot->sockets, &errors);
  }
  if (options_.socket_source != "procfs") {
    // F5: bind buckets and 4-tuples are per VRF (l3mdev).
    std::vector<LinkRecord> links;
    std::string dump_error;
    if (DumpLinks(&links, &dump_error)) {
      snapshot->l3mdev = L3mdevMapFromLinks(links);
    } else {
      errors.push_back("links: " + dump_error);
      ok = false;
    }
  }
  for (const std::string& e : errors) {
    if (!error->empty()) *error += "; ";
    *error += e;
  }
  return ok;
}

bool LinuxHostSource::ReadBpfSockets(Snapshot* snapshot, std::string* error) {
  auto start = std::chrono::steady_clock::now();
  CollectorStatus status;
  status.name = "bpf_sockets";
  bool loaded_before = bpf_loaded_;
  std::vector<SocketRecord>* sockets = &snapshot->sockets;
  std::size_t before = sockets->size();
  try {
    status.success =
        socket_iterators_.Read(sockets, &status.error, options_.keep_sockets);
    if (status.success) {
      std::size_t iterated = sockets->size();
      std::string dump_error;
      InetDiagSocket socket;
      socket.KeepOnly(options_.keep_sockets);
      if (!socket.DumpTcpBothFamilies(sockets, &dump_error,
                                      kBoundInactiveDiagState)) {
        for (Family family : {Family::kIpv4, Family::kIpv6}) {
          if (!socket.Dump(Protocol::kTcp, family, sockets, &dump_error,
                           kBoundInactiveDiagState)) {
            *error = "bound-only TCP sockets: " + dump_error;
            sockets->resize(iterated);
            break;
          }
        }
      }
      for (std::size_t i = iterated; i < sockets->size(); ++i)
        (*sockets)[i].kernel_facts = kFactsKnown | kFactBindBucket;
      if (!bpf_loaded_ && socket_iterators_.HasOwners()) {
        scanner_.UseKernelOwners(
            [this](std::vector<InodeOwner>* owners, std::string* e) {
              return socket_iterators_.ReadOwners(owners, e);
            });
      }
      bpf_loaded_ = true;
    }
  } catch (const std::exception& e) {
    status.success = false;
    status.error = e.what();
  }
  status.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!status.success) {
    sockets->resize(before);
    if (!bpf_failed_logged_ && !loaded_before) {
      std::fprintf(stderr,
                   "level=warn collector=bpf_sockets msg=\"BPF socket source "
                   "unavailable, sockets come from netlink: %s\"\n",
                   status.error.c_str());
      bpf_failed_logged_ = true;
    } else if (loaded_before &&
               ShouldLogCollectorError(status.name, status.error)) {
      std::fprintf(stderr,
                   "level=error collector=bpf_sockets msg=\"%s; sockets come "
                   "from netlink this time\"\n",
                   status.error.c_str());
    }
  }
  bool ok = status.success;
  snapshot->collectors.push_back(std::move(status));
  return ok;
}

bool LinuxHostSource::DumpSockets(std::vector<SocketRecord>* sockets,
                                  std::vector<std::string>* errors) {
  struct Dump {
    Protocol protocol;
    Family family;
    std::vector<SocketRecord>* out;
    std::string error;
    bool ok = true;
  };
  std::vector<SocketRecord> rest;
  // K1: connect() skips a port that bind() put in its bucket, for every
  // destination; the explicit-port binds among the connected sockets are
  // the ones inet_diag can tell (bind(addr, 0) leaves no trace). Sockets
  // the two dumps do not both see are left unmarked. On a quiet host the
  // filtered dump runs only when a socket not classified yet appears.
  std::vector<SocketRecord> explicit_port;
  std::string explicit_error;
  bool explicit_ok = true;
  auto run_explicit = [&](InetDiagSocket* socket) {
    try {
      explicit_ok =
          socket->DumpExplicitPortTcp(&explicit_port, &explicit_error);
    } catch (const std::exception& e) {
      explicit_ok = false;
      explicit_error = e.what();
    }
  };
  Dump dumps[] = {{Protocol::kTcp, Family::kIpv4, sockets, {}},
                  {Protocol::kTcp, Family::kIpv6, &rest, {}},
                  {Protocol::kUdp, Family::kIpv4, &rest, {}},
                  {Protocol::kUdp, Family::kIpv6, &rest, {}}};
  // Runs on either thread, so nothing may escape it.
  auto run = [](InetDiagSocket* socket, Dump* first, Dump* last) {
    for (Dump* d = first; d != last; ++d) {
      try {
        d->ok = socket->Dump(d->protocol, d->family, d->out, &d->error);
      } catch (const std::exception& e) {
        d->ok = false;
        d->error = e.what();
      }
    }
  };
  // Each dump walks the whole connection hash table. On a busy host the
  // IPv4 TCP dump runs beside the others so the walks overlap on a second
  // core; on a quiet one a thread would cost more CPU than it saves, and
  // one TCP dump of both families walks the table only once.
  std::thread others;
  if (last_socket_count_ >= kParallelDumpSockets) {
    try {
      others = std::thread([&] {
        InetDiagSocket socket;
        socket.KeepOnly(options_.keep_sockets);
        run(&socket, dumps + 1, std::end(dumps));
        run_explicit(&socket);
      });
    } catch (const std::system_error&) {
      // No thread to spare: the dumps run one after another below.
    }
  }
  InetDiagSocket socket;
  socket.KeepOnly(options_.keep_sockets);
  bool parallel = others.joinable();
  if (parallel) {
    run(&socket, dumps, dumps + 1);
    others.join();
  } else {
    // A kernel without the older request, or any failure of it, falls back
    // to one TCP dump per family.
    std::string ignored;
    bool both = false;
    try {
      both = socket.DumpTcpBothFamilies(sockets, &ignored);
    } catch (const std::exception&) {
      // As for a failed request: the per-family dumps below.
    }
    run(&socket, both ? dumps + 2 : dumps, std::end(dumps));
  }
  sockets->insert(sockets->end(), rest.begin(), rest.end());
  if (parallel) {
    // Beside the IPv4 dump, the filtered one may miss a socket that dump
    // saw: mark from it, remember nothing.
    explicit_marks_.Clear();
    if (explicit_ok) {
      ExplicitPortMarks once;
      once.Update(*sockets, explicit_port);
      once.Mark(sockets);
    }
  } else {
    if (explicit_marks_.NeedsDump(*sockets)) {
      run_explicit(&socket);
      if (explicit_ok) {
        explicit_marks_.Update(*sockets, explicit_port);
      } else {
        explicit_marks_.Clear();
      }
    }
    explicit_marks_.Mark(sockets);
  }
  if (!explicit_ok)
    errors->push_back("tcp explicit-port binds: " + explicit_error);
  bool ok = explicit_ok;
  for (const Dump& d : dumps) {
    if (d.ok) continue;
    errors->push_back(std::string(ProtocolName(d.protocol)) + "/" +
                      FamilyName(d.family) + ": " + d.error);
    ok = false;
  }
  return ok;
}

bool LinuxHostSource::ReadProcNetFiles(std::vector<SocketRecord>* sockets,
                                       std::vector<std::string>* errors) {
  struct File {
    const char* path;
    Protocol protocol;
    Family family;
  };
  static const File kFiles[] = {
      {"net/tcp", Protocol::kTcp, Family::kIpv4},
      {"net/tcp6", Protocol::kTcp, Family::kIpv6},
      {"net/udp", Protocol::kUdp, Family::kIpv4},
      {"net/udp6", Protocol::kUdp, Family::kIpv6},
  };
  bool ok = true;
  for (const File& f : kFiles) {
    std::string path = Join(options_.procfs_root, f.path);
    std::size_t before = sockets->size();
    ProcNetStreamParser parser(f.protocol, f.family, sockets);
    const SocketFilter& keep = options_.keep_sockets;
    auto feed = [&parser, sockets, &keep](std::string_view s) {
      std::size_t from = sockets->size();
      parser.Feed(s);
      KeepSocketsFrom(sockets, from, keep);
    };
    if (!ReadFileInPieces(path, feed)) {
      int saved = errno;
      sockets->resize(before);
      if (f.family == Family::kIpv6 && saved == ENOENT) continue;
      errors->push_back(path + ": " + std::strerror(saved));
      ok = false;
      continue;
    }
    std::size_t from = sockets->size();
    parser.Finish();
    KeepSocketsFrom(sockets, from, keep);
    if (parser.malformed_lines() > 0) {
      errors->push_back(path + ": " + std::to_string(parser.malformed_lines()) +
                        " malformed lines skipped");
      ok = false;
    }
  }
  return ok;
}

bool ReadPortRangeSysctls(const std::string& procfs_root, Snapshot* snapshot,
                          std::string* error) {
  std::string range_path =
      Join(procfs_root, "sys/net/ipv4/ip_local_port_range");
  std::string text;
  if (!ReadFile(range_path, &text)) {
    *error = range_path + ": " + std::strerror(errno);
    return false;
  }
  std::uint16_t low, high;
  std::string parse_error;
  if (!ParseLocalPortRange(text, &low, &high, &parse_error)) {
    *error = range_path + ": " + parse_error;
    return false;
  }
  std::vector<std::pair<std::uint16_t, std::uint16_t>> reserved;
  std::string reserved_path =
      Join(procfs_root, "sys/net/ipv4/ip_local_reserved_ports");
  bool ok = true;
  if (ReadFile(reserved_path, &text)) {
    if (!ParseReservedPorts(text, &reserved, &parse_error)) {
      *error = reserved_path + ": " + parse_error;
      ok = false;
    }
  } else if (errno != ENOENT) {
    *error = reserved_path + ": " + std::strerror(errno);
    ok = false;
  }
  for (Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
    for (Family family : {Family::kIpv4, Family::kIpv6}) {
      PortRange r;
      r.protocol = protocol;
      r.family = family;
      r.start = low;
      r.size = static_cast<std::uint32_t>(high) - low + 1;
      r.reserved = reserved;
      // __inet_hash_connect and inet_csk_find_open_port scan size & ~1
      // ports; udp_lib_get_port scans them all.
      if (protocol == Protocol::kTcp && r.size > 1 && r.size % 2 == 1)
        r.unreachable = 1;
      snapshot->ranges.push_back(r);
    }
  }
  snapshot->range_source = "sysctl";
  return ok;
}

bool ReadTimeWaitReuseSysctls(const std::string& procfs_root,
                              Snapshot* snapshot, std::string* error) {
  struct Knob {
    const char* path;
    std::int64_t min, max;
    bool required;
    std::int64_t value;
  };
  Knob knobs[] = {
      {"sys/net/ipv4/tcp_tw_reuse", 0, 2, true, 0},
      {"sys/net/ipv4/tcp_timestamps", 0, 2, true, 0},
      {"sys/net/ipv4/tcp_tw_reuse_delay", 1, 0xffffffff, false, 1000},
      {"sys/net/ipv4/tcp_l3mdev_accept", 0, 1, false, 0}};
  for (Knob& k : knobs) {
    std::string path = Join(procfs_root, k.path);
    std::string text, parse_error;
    if (!ReadFile(path, &text)) {
      if (!k.required && errno == ENOENT) continue;
      *error = path + ": " + std::strerror(errno);
      return false;
    }
    if (!ParseSysctlInteger(text, k.min, k.max, &k.value, &parse_error)) {
      *error = path + ": " + parse_error;
      return false;
    }
  }
  snapshot->time_wait_reuse.mode = static_cast<int>(knobs[0].value);
  snapshot->time_wait_reuse.timestamps = knobs[1].value != 0;
  snapshot->time_wait_reuse.delay_ms =
      static_cast<std::uint32_t>(knobs[2].value);
  snapshot->l3mdev.tcp_l3mdev_accept = knobs[3].value != 0;
  return true;
}

bool LinuxHostSource::CollectProcesses(Snapshot* snapshot, std::string* error) {
  if (!scanner_.Update(options_.watched_services, snapshot, error)) {
    snapshot->services.clear();
    for (const std::string& unit : options_.watched_services) {
      ServiceInfo svc;
      svc.name = unit;
      snapshot->services.push_back(svc);
    }
    return false;
  }
  snapshot->processes_collected = true;
  const std::string& pass_error = scanner_.kernel_pass_error();
  if (!pass_error.empty() && ShouldLogCollectorError("processes", pass_error)) {
    std::fprintf(stderr,
                 "level=error collector=processes msg=\"%s; owners come from "
                 "/proc this time\"\n",
                 pass_error.c_str());
  }
  if (snapshot->processes_unreadable != last_unreadable_) {
    if (snapshot->processes_unreadable > 0) {
      std::fprintf(stderr,
                   "level=warn collector=processes msg=\"per-process data is "
                   "incomplete: %u processes cannot be read; run as root or "
                   "grant CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH\"\n",
                   snapshot->processes_unreadable);
    }
    last_unreadable_ = snapshot->processes_unreadable;
  }
  return true;
}

std::uint64_t ReadSocketCountHint(const std::string& procfs_root) {
  std::string v4, v6;
  ReadFile(Join(procfs_root, "net/sockstat"), &v4);
  ReadFile(Join(procfs_root, "net/sockstat6"), &v6);
  return SocketCountHint(v4, v6);
}

bool LinuxHostSource::CollectTcpStats(Snapshot* snapshot, std::string* error) {
  return ReadTcpCounters(options_.procfs_root, &snapshot->tcp_counters, error);
}

bool ReadTcpCounters(const std::string& procfs_root,
                     std::vector<TcpCounters>* out, std::string* error) {
  std::string path = Join(procfs_root, "net/snmp");
  std::string text;
  if (!ReadFile(path, &text)) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  std::string parse_error;
  TcpCounters counters;
  if (!ParseProcNetSnmp(text, &counters, &parse_error)) {
    *error = path + ": " + parse_error;
    return false;
  }
  out->push_back(counters);
  return true;
}

std::unique_ptr<HostSource> MakeHostSource(const SourceOptions& options) {
  return std::make_unique<LinuxHostSource>(options);
}

bool CheckHostSource(const SourceOptions& options, std::string* error) {
  std::string probe =
      Join(options.procfs_root, "sys/net/ipv4/ip_local_port_range");
  std::string text;
  if (!ReadFile(probe, &text)) {
    *error = "procfs root " + options.procfs_root + " is not usable: " + probe +
             ": " + std::strerror(errno);
    return false;
  }
  if (options.socket_source == "procfs") {
    probe = Join(options.procfs_root, "net/tcp");
    if (!ReadFile(probe, &text)) {
      *error = "procfs root " + options.procfs_root +
               " is not usable: " + probe + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

}  // namespace epx
