#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace epx {

/// Pure: holds back a log line identical to one written less than `window`
/// ago and counts it; the next time that line is written it carries
/// `repeated=N`, the number held back. Tracks at most `max_lines` distinct
/// lines (forgets them all when full).
class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  LogLimiter(std::chrono::seconds window, std::size_t max_lines);

  /// The text to write for `line` (no newline) seen at `now`, or "" to drop.
  std::string Filter(const std::string& line, Clock::time_point now);

 private:
  struct Seen {
    Clock::time_point written;
    std::uint64_t held_back = 0;
  };
  std::chrono::seconds window_;
  std::size_t max_lines_;
  std::unordered_map<std::string, Seen> seen_;
};

/// Pure: whether a log file of `size` bytes must be rotated before `adding`
/// more bytes, given the cap `max_bytes` (an empty file never rotates).
bool LogNeedsRotation(std::uint64_t size, std::size_t adding,
                      std::uint64_t max_bytes);

}  // namespace epx
