// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/socket_iterators.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "socket_iter.skel.h"
#include "sources/linux/bpf/bpf_program.h"
#include "sources/linux/socket_iter_records.h"

namespace epx {

struct SocketIterators::Programs {
  socket_iter* skeleton = nullptr;
  ~Programs() { socket_iter::destroy(skeleton); }
};

namespace {

constexpr std::size_t kBufferRecords = 4096;

std::string Describe(const char* step, int rc, const LibbpfMessages& log) {
  std::string text = std::string(step) + ": " + std::strerror(-rc);
  std::string details = log.Text();
  if (!details.empty()) text += " (" + details + ")";
  return text;
}

template <typename Record, typename Trim>
bool ReadIterator(bpf_link* link, const char* name,
                  std::vector<std::uint8_t>* buffer, std::vector<Record>* out,
                  std::string* error,
                  SocketIterDecodeResult (*decode)(const std::uint8_t*,
                                                   std::size_t,
                                                   std::vector<Record>*),
                  Trim trim) {
  int fd = bpf_iter_create(bpf_link__fd(link));
  if (fd < 0) {
    *error = std::string("creating the ") + name +
             " iterator: " + std::strerror(errno);
    return false;
  }
  std::size_t filled = 0, malformed = 0;
  bool ok = true;
  for (;;) {
    ssize_t n = ::read(fd, buffer->data() + filled, buffer->size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = std::string("reading the ") + name +
               " iterator: " + std::strerror(errno);
      ok = false;
      break;
    }
    if (n == 0) break;
    filled += static_cast<std::size_t>(n);
    std::size_t from = out->size();
    SocketIterDecodeResult r = decode(buffer->data(), filled, out);
    trim(out, from);
    malformed += r.malformed;
    std::memmove(buffer->data(), buffer->data() + r.consumed,
                 filled - r.consumed);
    filled -= r.consumed;
  }
  ::close(fd);
  if (ok && (filled != 0 || malformed != 0)) {
    *error = std::string(name) + " iterator: " + std::to_string(malformed) +
             " malformed records, " + std::to_string(filled) +
             " bytes left over";
    ok = false;
  }
  return ok;
}

}  // namespace

std::unique_ptr<SocketIterators::Programs> SocketIterators::OpenAndLoad(
    bool with_owners, const LibbpfMessages& log, std::string* error) {
  auto programs = std::make_unique<Programs>();
  programs->skeleton = socket_iter::open();
  if (programs->skeleton == nullptr) {
    *error = Describe("opening the socket iterators", -errno, log);
    return nullptr;
  }
  socket_iter* s = programs->skeleton;
  s->rodata->target_netns = OwnNetworkNamespaceInode();
  s->rodata->pid_level = OwnPidNamespaceLevel();
  if (!with_owners) bpf_program__set_autoload(s->progs.socket_owners, false);
  int rc = socket_iter::load(s);
  if (rc != 0) {
    *error = Describe("loading the socket iterators", rc, log);
    return nullptr;
  }
  return programs;
}

SocketIterators::SocketIterators() = default;
SocketIterators::~SocketIterators() = default;

bool SocketIterators::Load(std::string* error) {
  if (tried_) {
    *error = load_error_;
    return programs_ != nullptr;
  }
  tried_ = true;
  std::string missing = MissingBpfRequirementsHere();
  if (!missing.empty()) {
    load_error_ = "socket iterators not loaded: missing " + missing;
    *error = load_error_;
    return false;
  }
  LibbpfMessages log;
  std::unique_ptr<Programs> programs = OpenAndLoad(true, log, &load_error_);
  if (programs == nullptr) {
    // A kernel that cannot run the owner program (before 5.11) still runs
    // the socket iterators; owners then come from /proc.
    owners_error_ = load_error_;
    programs = OpenAndLoad(false, log, &load_error_);
  }
  if (programs == nullptr) {
    *error = load_error_;
    return false;
  }
  socket_iter* s = programs->skeleton;
  s->links.tcp_sockets =
      bpf_program__attach_iter(s->progs.tcp_sockets, nullptr);
  if (s->links.tcp_sockets == nullptr) {
    load_error_ = Describe("attaching the iter/tcp program", -errno, log);
    *error = load_error_;
    return false;
  }
  s->links.udp_sockets =
      bpf_program__attach_iter(s->progs.udp_sockets, nullptr);
  if (s->links.udp_sockets == nullptr) {
    load_error_ = Describe("attaching the iter/udp program", -errno, log);
    *error = load_error_;
    return false;
  }
  if (owners_error_.empty()) {
    s->links.socket_owners =
        bpf_program__attach_iter(s->progs.socket_owners, nullptr);
    if (s->links.socket_owners == nullptr)
      owners_error_ =
          Describe("attaching the iter/task_file program", -errno, log);
  }
  buffer_.resize(kBufferRecords * sizeof(epx_socket_record));
  programs_ = std::move(programs);
  return true;
}

bool SocketIterators::Read(std::vector<SocketRecord>* out, std::string* error,
                           const SocketFilter& keep) {
  if (!Load(error)) return false;
  socket_iter* s = programs_->skeleton;
  auto trim = [&keep](std::vector<SocketRecord>* records, std::size_t from) {
    KeepSocketsFrom(records, from, keep);
  };
  return ReadIterator(s->links.tcp_sockets, "iter/tcp", &buffer_, out, error,
                      &DecodeSocketIterRecords, trim) &&
         ReadIterator(s->links.udp_sockets, "iter/udp", &buffer_, out, error,
                      &DecodeSocketIterRecords, trim);
}

bool SocketIterators::ReadOwners(std::vector<InodeOwner>* out,
                                 std::string* error) {
  if (!Load(error)) return false;
  if (!owners_error_.empty()) {
    *error = owners_error_;
    return false;
  }
  return ReadIterator(
      programs_->skeleton->links.socket_owners, "iter/task_file", &buffer_, out,
      error, &DecodeOwnerRecords, [](std::vector<InodeOwner>*, std::size_t) {});
}

}  // namespace epx
