// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace epx::testing {

/// A child process with pipes to its stdin and stdout; stderr goes to a
/// file. Stopped by its pid (SIGTERM, then SIGKILL) when destroyed.
class Subprocess {
 public:
  /// Starts argv[0] with arguments; check Running() afterwards.
  explicit Subprocess(const std::vector<std::string>& argv,
                      const std::string& stderr_path = "/dev/null");
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool Running() const { return pid_ > 0; }
  int pid() const { return pid_; }

  /// Writes one line and reads one reply line, waiting at most timeout_ms;
  /// returns "" on timeout or EOF.
  std::string Command(const std::string& line, int timeout_ms = 30000);

  /// SIGTERM, wait up to 5 s, then SIGKILL; returns the exit status
  /// (as waitpid reports it) or -1.
  int Stop();

 private:
  int pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffered_;
};

/// Fetches http://127.0.0.1:port/path with a connection that holds no port
/// of the ephemeral range (bound to 127.0.0.1:local_port) and is closed
/// with RST, so it leaves no TIME_WAIT behind. Returns the body, "" on
/// failure (and *status 0).
std::string HttpGet(int port, const std::string& path, int local_port,
                    int* status);

}  // namespace epx::testing
