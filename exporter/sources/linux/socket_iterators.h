#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/socket_record.h"

namespace epx {

/// The BPF socket source: iter/tcp and iter/udp programs
/// (bpf/socket_iter.bpf.c) write one record per socket of this network
/// namespace, read through a fresh iterator fd each time. Not thread-safe.
class SocketIterators {
 public:
  SocketIterators();
  ~SocketIterators();
  SocketIterators(const SocketIterators&) = delete;
  SocketIterators& operator=(const SocketIterators&) = delete;

  /// Loads and attaches the programs once; false with *error naming what is
  /// missing (privileges, BTF, iterator support, a build without BPF). A
  /// failed load is not retried: later calls return the same error.
  bool Load(std::string* error);

  /// Appends every TCP and UDP socket the iterators see (Load() first).
  /// Bound-only TCP sockets are not among them: the iterator walks the
  /// listening and connection tables, not the bind table.
  bool Read(std::vector<SocketRecord>* out, std::string* error);

  struct Programs;

 private:
  bool tried_ = false;
  std::string load_error_;
  std::unique_ptr<Programs> programs_;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace epx
