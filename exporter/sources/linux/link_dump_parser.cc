// SPDX-License-Identifier: Apache-2.0
#include "sources/linux/link_dump_parser.h"

#include <algorithm>
#include <cstring>

namespace epx {
namespace {

constexpr std::size_t kNlmsgHeaderSize = 16;
constexpr std::uint16_t kRtmNewLink = 16;
constexpr std::uint16_t kRtmGetLink = 18;
constexpr std::uint16_t kNlmFRequest = 0x01;
constexpr std::uint16_t kNlmFDump = 0x300;
// struct ifinfomsg: family(1) pad(1) type(2) index(4) flags(4) change(4).
constexpr std::size_t kIfinfomsgSize = 16;
constexpr std::size_t kOffIndex = 4;
// enum in linux/if_link.h.
constexpr std::uint16_t kIflaIfname = 3;
constexpr std::uint16_t kIflaMaster = 10;
constexpr std::uint16_t kIflaLinkinfo = 18;
constexpr std::uint16_t kIflaInfoKind = 1;
// NLA_F_NESTED and NLA_F_NET_BYTEORDER share the type field.
constexpr std::uint16_t kNlaTypeMask = 0x3fff;

std::uint32_t Load32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

std::uint16_t Load16(const std::uint8_t* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

void Store32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, 4); }
void Store16(std::uint8_t* p, std::uint16_t v) { std::memcpy(p, &v, 2); }

std::string AttrString(const std::uint8_t* payload, std::size_t len) {
  std::size_t n = 0;
  while (n < len && payload[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(payload), n);
}

// Calls visit(type, payload, payload_len) for each struct rtattr in
// [data, data + len); false when one is malformed.
template <typename Visit>
bool ForEachAttr(const std::uint8_t* data, std::size_t len, Visit visit) {
  std::size_t offset = 0;
  while (len - offset >= 4) {
    std::uint16_t attr_len = Load16(data + offset);
    std::uint16_t type = Load16(data + offset + 2) & kNlaTypeMask;
    if (attr_len < 4 || attr_len > len - offset) return false;
    visit(type, data + offset + 4, std::size_t{attr_len} - 4);
    offset += (attr_len + 3u) & ~std::size_t{3};
  }
  return true;
}

bool ParseLink(const std::uint8_t* body, std::size_t len, LinkRecord* out) {
  if (len < kIfinfomsgSize) return false;
  LinkRecord link;
  link.ifindex = Load32(body + kOffIndex);
  bool ok = ForEachAttr(
      body + kIfinfomsgSize, len - kIfinfomsgSize,
      [&](std::uint16_t type, const std::uint8_t* p, std::size_t n) {
        if (type == kIflaIfname) {
          link.name = AttrString(p, n);
        } else if (type == kIflaMaster && n >= 4) {
          link.master = Load32(p);
        } else if (type == kIflaLinkinfo) {
          ForEachAttr(
              p, n, [&](std::uint16_t t, const std::uint8_t* q, std::size_t m) {
                if (t == kIflaInfoKind) link.kind = AttrString(q, m);
              });
        }
      });
  if (!ok || link.ifindex == 0) return false;
  *out = std::move(link);
  return true;
}

}  // namespace

void ParseLinkDumpBuffer(const std::uint8_t* data, std::size_t size,
                         std::vector<LinkRecord>* out, LinkParseState* state) {
  WalkNetlinkMessages(
      data, size, state,
      [&](std::uint16_t type, const std::uint8_t* body, std::size_t body_len) {
        if (type != kRtmNewLink) return true;
        LinkRecord link;
        if (!ParseLink(body, body_len, &link)) return false;
        out->push_back(std::move(link));
        return true;
      });
}

std::vector<std::uint8_t> BuildLinkDumpRequest(std::uint32_t sequence) {
  std::vector<std::uint8_t> buf(kNlmsgHeaderSize + kIfinfomsgSize, 0);
  Store32(buf.data(), static_cast<std::uint32_t>(buf.size()));
  Store16(buf.data() + 4, kRtmGetLink);
  Store16(buf.data() + 6, kNlmFRequest | kNlmFDump);
  Store32(buf.data() + 8, sequence);
  return buf;
}

L3mdevMap L3mdevMapFromLinks(const std::vector<LinkRecord>& links) {
  L3mdevMap map;
  for (const LinkRecord& l : links) {
    if (l.kind == "vrf") map.vrfs.push_back(VrfDevice{l.ifindex, l.name});
  }
  std::sort(map.vrfs.begin(), map.vrfs.end(),
            [](const VrfDevice& a, const VrfDevice& b) {
              return a.ifindex < b.ifindex;
            });
  for (const LinkRecord& l : links) {
    if (l.master != 0 && map.VrfOf(l.master) == l.master)
      map.slaves.emplace_back(l.ifindex, l.master);
  }
  std::sort(map.slaves.begin(), map.slaves.end());
  return map;
}

}  // namespace epx
