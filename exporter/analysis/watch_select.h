// SPDX-License-Identifier: Apache-2.0
// Watch lists in the top-N selection: the rows past the top N that an entry
// matches are kept too, bounded per entry (internal to analysis/).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/port_keys.h"
#include "analysis/watch_list.h"

namespace epx {
namespace port_usage {

/// An address pattern over AddrKey (IPv4 as ::ffff:a.b.c.d).
struct AddrBlock {
  AddrKey network;
  AddrKey mask;

  static AddrBlock Of(const AddressPattern& pattern) {
    AddrBlock b;
    b.network = AddrKey::From(pattern.network);
    int bits = pattern.MappedPrefixLength();
    auto top = [](int n) {
      return n <= 0    ? std::uint64_t{0}
             : n >= 64 ? ~std::uint64_t{0}
                       : ~std::uint64_t{0} << (64 - n);
    };
    b.mask.hi = top(bits);
    b.mask.lo = top(bits - 64);
    return b;
  }
  bool Has(const AddrKey& k) const {
    return (k.hi & mask.hi) == network.hi && (k.lo & mask.lo) == network.lo;
  }
};

/// Moves the rows past the first `keep` that some entry matches
/// (matches(row, entry)) right behind them, busiest first by `busier`, at
/// most kWatchMatchesPerEntry per entry; returns how many rows to report.
template <typename Row, typename Busier, typename Matches>
std::size_t KeepWatched(std::vector<Row>* rows, std::size_t keep,
                        std::size_t entries, Busier busier, Matches matches) {
  if (entries == 0 || keep >= rows->size()) return keep;
  auto first = rows->begin() + static_cast<std::ptrdiff_t>(keep);
  auto last = std::partition(first, rows->end(), [&](const Row& row) {
    for (std::size_t e = 0; e < entries; ++e) {
      if (matches(row, e)) return true;
    }
    return false;
  });
  std::sort(first, last, busier);
  std::vector<std::size_t> taken(entries, 0);
  auto out = first;
  for (auto it = first; it != last; ++it) {
    bool room = false;
    for (std::size_t e = 0; e < entries; ++e) {
      if (taken[e] < kWatchMatchesPerEntry && matches(*it, e)) {
        ++taken[e];
        room = true;
      }
    }
    if (room) std::iter_swap(out++, it);
  }
  return static_cast<std::size_t>(out - rows->begin());
}

}  // namespace port_usage
}  // namespace epx
