// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "model/snapshot.h"

namespace epx {

/// Counts, in the kernel, connect() failures for lack of a local port,
/// outbound TCP connects and port-0 bind/autobind failures of this network
/// namespace (the BPF program bpf/connect_events.bpf.c), and with
/// other_namespaces those of every other network namespace, per namespace;
/// counts start at Start(). Thread-safe.
class ConnectEventCollector {
 public:
  explicit ConnectEventCollector(bool other_namespaces = false);
  ~ConnectEventCollector();
  ConnectEventCollector(const ConnectEventCollector&) = delete;
  ConnectEventCollector& operator=(const ConnectEventCollector&) = delete;

  /// Loads and attaches the program once; later calls do nothing. A failure
  /// is kept for Read() to report.
  void Start();

  /// Copies the counts since Start() into *out (Start() first if needed). False
  /// with *error naming what is missing (privileges, BTF, a kernel hook, a
  /// build without BPF) when the program cannot run; a failed load is not
  /// retried. Optional hooks (bind() and UDP connect(), which need tracefs;
  /// UDP sends, kernel 6.3+) that cannot attach are named once in the log;
  /// the rest still counts.
  bool Read(ConnectEvents* out, std::string* error);

  /// Deletes from the kernel maps the other namespaces' entries, among
  /// those the last Read() saw, for which gone(netns, cookie) is true, so
  /// namespaces that ended take no room.
  void ForgetNamespaces(const std::function<bool(std::uint64_t netns,
                                                 std::uint64_t cookie)>& gone);

  struct Program;

 private:
  std::mutex mutex_;
  bool other_namespaces_;
  bool tried_ = false;
  std::string load_error_;
  std::unique_ptr<Program> program_;
};

}  // namespace epx
