// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace epx {

/// Maps keys to dense slots 0, 1, 2, ... in first-seen order, with open
/// addressing and linear probing over a power-of-two table: one hash and
/// usually one probe per lookup, no allocation per key. Hash must spread
/// bits well in its low bits. Not thread-safe.
template <typename Key, typename Hash>
class FlatIndex {
 public:
  /// The slot of key, adding it (as the next slot) when new.
  std::uint32_t SlotOf(const Key& key) {
    if ((keys_.size() + 1) * 2 > table_.size()) Grow();
    std::size_t mask = table_.size() - 1;
    for (std::size_t i = Hash()(key) & mask;; i = (i + 1) & mask) {
      std::uint32_t slot = table_[i];
      if (slot == kEmpty) {
        table_[i] = static_cast<std::uint32_t>(keys_.size());
        keys_.push_back(key);
        return table_[i];
      }
      if (keys_[slot] == key) return slot;
    }
  }
  /// Number of distinct keys seen.
  std::size_t size() const { return keys_.size(); }
  /// The key of a slot.
  const Key& key(std::uint32_t slot) const { return keys_[slot]; }

 private:
  static constexpr std::uint32_t kEmpty = 0xffffffffu;

  void Grow() {
    std::size_t size = table_.empty() ? 64 : table_.size() * 2;
    table_.assign(size, kEmpty);
    std::size_t mask = size - 1;
    for (std::uint32_t slot = 0; slot < keys_.size(); ++slot) {
      std::size_t i = Hash()(keys_[slot]) & mask;
      while (table_[i] != kEmpty) i = (i + 1) & mask;
      table_[i] = slot;
    }
  }

  std::vector<std::uint32_t> table_;
  std::vector<Key> keys_;
};

/// A 64-bit mix (from SplitMix64) usable as FlatIndex's Hash.
inline std::uint64_t MixBits(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace epx
