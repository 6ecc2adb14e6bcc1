#include "platform/log_limiter.h"

namespace epx {

LogLimiter::LogLimiter(std::chrono::seconds window, std::size_t max_lines)
    : window_(window), max_lines_(max_lines) {}

std::string LogLimiter::Filter(const std::string& line,
                               Clock::time_point now) {
  auto it = seen_.find(line);
  if (it != seen_.end()) {
    if (now - it->second.written < window_) {
      ++it->second.held_back;
      return "";
    }
    std::uint64_t held_back = it->second.held_back;
    it->second = Seen{now, 0};
    if (held_back == 0) return line;
    return line + " repeated=" + std::to_string(held_back);
  }
  if (seen_.size() >= max_lines_) seen_.clear();
  seen_.emplace(line, Seen{now, 0});
  return line;
}

bool LogNeedsRotation(std::uint64_t size, std::size_t adding,
                      std::uint64_t max_bytes) {
  return size > 0 && size + adding > max_bytes;
}

}  // namespace epx
