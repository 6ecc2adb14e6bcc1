// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/bind_bucket_memory.h"

#include <algorithm>
#include <iterator>

namespace epx {
namespace {

// A bucket creator: a listener or bound socket, or (netlink) a connected
// socket marked as bound to an explicit port. Records with the BPF source's
// full facts keep the state rule: their facts are exact already.
bool MadeBucket(const SocketRecord& s) {
  return IsExclusiveState(s.state) ||
         ((s.kernel_facts & kFactBindBucket) != 0 &&
          (s.kernel_facts & kFactsKnown) == 0);
}

// A socket the filtered dump classifies: a full TCP socket in a connected
// state (kConnectedFullSocketDiagStates).
bool Connected(const SocketRecord& s) {
  return s.protocol == Protocol::kTcp && s.cookie != 0 &&
         !IsExclusiveState(s.state) && s.state != SocketState::kTimeWait &&
         s.state != SocketState::kSynRecv &&
         s.state != SocketState::kNewSynRecv && !s.timewait_object;
}

std::vector<std::uint64_t> SortedCookies(
    const std::vector<SocketRecord>& sockets, bool connected_only) {
  auto wanted = [&](const SocketRecord& s) {
    return connected_only ? Connected(s) : s.cookie != 0;
  };
  std::vector<std::uint64_t> cookies;
  cookies.reserve(static_cast<std::size_t>(
      std::count_if(sockets.begin(), sockets.end(), wanted)));
  for (const SocketRecord& s : sockets) {
    if (wanted(s)) cookies.push_back(s.cookie);
  }
  std::sort(cookies.begin(), cookies.end());
  return cookies;
}

}  // namespace

bool ExplicitPortMarks::NeedsDump(
    const std::vector<SocketRecord>& sockets) const {
  // Accepted connections on a listener's port change nothing: the port is
  // held for every destination already.
  std::vector<bool> held(65536, false);
  for (const SocketRecord& s : sockets) {
    if (s.protocol == Protocol::kTcp && IsExclusiveState(s.state))
      held[s.local_port] = true;
  }
  for (const SocketRecord& s : sockets) {
    if (Connected(s) && !held[s.local_port] &&
        !std::binary_search(classified_.begin(), classified_.end(), s.cookie))
      return true;
  }
  return false;
}

void ExplicitPortMarks::Update(const std::vector<SocketRecord>& sockets,
                               const std::vector<SocketRecord>& explicit_port) {
  classified_ = SortedCookies(sockets, true);
  std::vector<std::uint64_t> found = SortedCookies(explicit_port, false);
  explicit_.clear();
  std::set_intersection(classified_.begin(), classified_.end(), found.begin(),
                        found.end(), std::back_inserter(explicit_));
}

void ExplicitPortMarks::Clear() {
  classified_.clear();
  explicit_.clear();
}

std::size_t ExplicitPortMarks::Mark(std::vector<SocketRecord>* sockets) const {
  if (explicit_.empty()) return 0;
  std::size_t marked = 0;
  for (SocketRecord& s : *sockets) {
    if (!Connected(s) ||
        !std::binary_search(explicit_.begin(), explicit_.end(), s.cookie))
      continue;
    s.kernel_facts |= kFactBindBucket;
    ++marked;
  }
  return marked;
}

BindBucketMemory::BindBucketMemory() : remembered_(65536, false) {}

std::vector<std::uint16_t> BindBucketMemory::Update(
    const std::vector<SocketRecord>& sockets, bool connect_bind_reset) {
  std::vector<bool> exclusive(65536, false);
  for (const SocketRecord& s : sockets) {
    if (s.protocol == Protocol::kTcp && s.local_port != 0 && MadeBucket(s))
      exclusive[s.local_port] = true;
  }
  std::vector<bool> kept(65536, false);
  std::vector<std::uint64_t> plain;
  for (const SocketRecord& s : sockets) {
    if (s.protocol != Protocol::kTcp || s.local_port == 0 || MadeBucket(s))
      continue;
    std::uint16_t port = s.local_port;
    bool is_plain =
        connect_bind_reset && s.cookie != 0 &&
        ((!remembered_[port] && !exclusive[port]) ||
         std::binary_search(plain_.begin(), plain_.end(), s.cookie));
    if (is_plain) {
      plain.push_back(s.cookie);
    } else if (remembered_[port] && !exclusive[port]) {
      kept[port] = true;
    }
  }
  std::vector<std::uint16_t> out;
  for (std::uint32_t port = 1; port < 65536; ++port) {
    if (kept[port]) out.push_back(static_cast<std::uint16_t>(port));
    remembered_[port] = exclusive[port] || kept[port];
  }
  std::sort(plain.begin(), plain.end());
  plain_ = std::move(plain);
  return out;
}

}  // namespace epx
