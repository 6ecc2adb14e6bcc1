// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/connect_events.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <utility>
#include <vector>

#include "connect_events.skel.h"
#include "sources/linux/bpf/bpf_program.h"
#include "sources/linux/connect_event_records.h"

namespace epx {

struct ConnectEventCollector::Program {
  connect_events* skeleton = nullptr;
  // The keys of the namespace_* maps at the last Read().
  std::vector<epx_namespace_key> total_keys;
  std::vector<epx_namespace_process_key> process_keys;
  std::vector<epx_namespace_destination_key> destination_keys;
  ~Program() { connect_events::destroy(skeleton); }
};

namespace {

std::string Describe(const char* step, int rc, const LibbpfMessages& log) {
  std::string text = std::string(step) + ": " + std::strerror(-rc);
  std::string details = log.Text();
  if (!details.empty()) text += " (" + details + ")";
  return text;
}

template <typename Key, typename Value>
bool ReadHash(int fd, std::vector<std::pair<Key, Value>>* out) {
  Key key{}, next{};
  Key* previous = nullptr;
  while (bpf_map_get_next_key(fd, previous, &next) == 0) {
    Value value{};
    if (bpf_map_lookup_elem(fd, &next, &value) == 0)
      out->emplace_back(next, value);
    key = next;
    previous = &key;
  }
  return errno == ENOENT;
}

// Whether the running kernel has the tracepoint `name` (its BTF names the
// btf_trace_<name> type).
bool KernelHasTracepoint(const char* name) {
  btf* vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) return false;
  bool found = btf__find_by_name_kind(
                   vmlinux, (std::string("btf_trace_") + name).c_str(),
                   BTF_KIND_TYPEDEF) >= 0;
  btf__free(vmlinux);
  return found;
}

template <typename Key, typename Value>
std::vector<Key> KeysOf(const std::vector<std::pair<Key, Value>>& entries) {
  std::vector<Key> keys;
  keys.reserve(entries.size());
  for (const auto& entry : entries) keys.push_back(entry.first);
  return keys;
}

template <typename Key>
void DeleteKeys(bpf_map* map, const std::vector<Key>& keys,
                const std::function<bool(std::uint64_t, std::uint64_t)>& gone) {
  for (const Key& key : keys) {
    if (gone(key.netns, key.cookie))
      bpf_map_delete_elem(bpf_map__fd(map), &key);
  }
}

}  // namespace

ConnectEventCollector::ConnectEventCollector(bool other_namespaces)
    : other_namespaces_(other_namespaces) {}
ConnectEventCollector::~ConnectEventCollector() = default;

void ConnectEventCollector::Start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (tried_) return;
  tried_ = true;
  std::string missing = MissingBpfRequirementsHere();
  if (!missing.empty()) {
    load_error_ = "BPF program not loaded: missing " + missing;
    return;
  }
  LibbpfMessages log;
  auto program = std::make_unique<Program>();
  program->skeleton = connect_events::open();
  if (program->skeleton == nullptr) {
    load_error_ = Describe("opening the BPF program", -errno, log);
    return;
  }
  connect_events* s = program->skeleton;
  s->rodata->target_netns = OwnNetworkNamespaceInode();
  s->rodata->other_namespaces = other_namespaces_ ? 1 : 0;
  bool send_hook = KernelHasTracepoint("sock_send_length");
  if (!send_hook) bpf_program__set_autoload(s->progs.sock_send_length, false);
  int rc = connect_events::load(s);
  if (rc != 0) {
    load_error_ = Describe("loading the BPF program", rc, log);
    return;
  }
  s->links.inet_sock_set_state =
      bpf_program__attach(s->progs.inet_sock_set_state);
  if (s->links.inet_sock_set_state == nullptr) {
    load_error_ = Describe("attaching to the tracepoint inet_sock_set_state",
                           -errno, log);
    return;
  }
  struct Optional {
    bpf_program* program;
    bpf_link** link;
  };
  std::string unattached;
  if (send_hook) {
    s->links.sock_send_length = bpf_program__attach(s->progs.sock_send_length);
  }
  if (s->links.sock_send_length == nullptr) unattached = "sock_send_length";
  for (const Optional& o :
       {Optional{s->progs.bind_enter, &s->links.bind_enter},
        Optional{s->progs.bind_exit, &s->links.bind_exit},
        Optional{s->progs.connect_enter, &s->links.connect_enter},
        Optional{s->progs.connect_exit, &s->links.connect_exit}}) {
    *o.link = bpf_program__attach(o.program);
    if (*o.link == nullptr) {
      if (!unattached.empty()) unattached += ", ";
      unattached += bpf_program__section_name(o.program);
    }
  }
  if (!unattached.empty()) {
    std::fprintf(stderr,
                 "level=warn collector=connect_events msg=\"port-0 bind and "
                 "UDP autobind failures are not all counted: cannot attach %s "
                 "(is tracefs mounted at /sys/kernel/tracing? UDP sends need "
                 "kernel 6.3 or later)\"\n",
                 unattached.c_str());
  }
  program_ = std::move(program);
}

bool ConnectEventCollector::Read(ConnectEvents* out, std::string* error) {
  Start();
  std::lock_guard<std::mutex> lock(mutex_);
  if (program_ == nullptr) {
    *error = load_error_;
    return false;
  }
  connect_events* s = program_->skeleton;
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    *error = "libbpf_num_possible_cpus: " + std::string(std::strerror(-cpus));
    return false;
  }
  std::vector<std::uint64_t> totals(EPX_TOTAL_COUNT, 0);
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  int totals_fd = bpf_map__fd(s->maps.totals);
  for (std::uint32_t i = 0; i < EPX_TOTAL_COUNT; ++i) {
    if (bpf_map_lookup_elem(totals_fd, &i, per_cpu.data()) != 0) {
      *error = "reading the totals map: " + std::string(std::strerror(errno));
      return false;
    }
    for (std::uint64_t v : per_cpu) totals[i] += v;
  }
  std::vector<std::pair<epx_process_key, epx_process_counts>> processes;
  std::vector<std::pair<epx_destination_key, std::uint64_t>> destinations;
  if (!ReadHash(bpf_map__fd(s->maps.processes), &processes) ||
      !ReadHash(bpf_map__fd(s->maps.destinations), &destinations)) {
    *error = "reading the BPF maps: " + std::string(std::strerror(errno));
    return false;
  }
  *out = DecodeConnectEvents(totals, processes, destinations);
  if (!other_namespaces_) return true;
  std::vector<std::pair<epx_namespace_key, epx_namespace_counts>> ns_totals;
  std::vector<std::pair<epx_namespace_process_key, epx_process_counts>>
      ns_processes;
  std::vector<std::pair<epx_namespace_destination_key, std::uint64_t>>
      ns_destinations;
  if (!ReadHash(bpf_map__fd(s->maps.namespace_totals), &ns_totals) ||
      !ReadHash(bpf_map__fd(s->maps.namespace_processes), &ns_processes) ||
      !ReadHash(bpf_map__fd(s->maps.namespace_destinations),
                &ns_destinations)) {
    *error = "reading the BPF maps of other namespaces: " +
             std::string(std::strerror(errno));
    return false;
  }
  DecodeNamespaceConnectEvents(totals, ns_totals, ns_processes, ns_destinations,
                               out);
  program_->total_keys = KeysOf(ns_totals);
  program_->process_keys = KeysOf(ns_processes);
  program_->destination_keys = KeysOf(ns_destinations);
  return true;
}

void ConnectEventCollector::ForgetNamespaces(
    const std::function<bool(std::uint64_t netns, std::uint64_t cookie)>&
        gone) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (program_ == nullptr) return;
  connect_events* s = program_->skeleton;
  DeleteKeys(s->maps.namespace_totals, program_->total_keys, gone);
  DeleteKeys(s->maps.namespace_processes, program_->process_keys, gone);
  DeleteKeys(s->maps.namespace_destinations, program_->destination_keys, gone);
}

}  // namespace epx
