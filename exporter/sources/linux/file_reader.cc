// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "sources/linux/file_reader.h"

#include <vector>

namespace epx {
namespace {

// Reads fd to its end through buf, handing each piece to each; closes fd.
bool ReadPieces(int fd, char* buf, std::size_t size,
                const std::function<void(std::string_view)>& each) {
  for (;;) {
    ssize_t n = read(fd, buf, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      errno = saved;
      return false;
    }
    if (n == 0) break;
    each(std::string_view(buf, static_cast<std::size_t>(n)));
  }
  close(fd);
  return true;
}

bool ReadAll(int fd, std::string* out) {
  out->clear();
  char buf[8192];
  return ReadPieces(fd, buf, sizeof buf,
                    [out](std::string_view piece) { out->append(piece); });
}

}  // namespace

bool ReadFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  return ReadAll(fd, out);
}

bool ReadFileAt(int dir_fd, const std::string& relative_path,
                std::string* out) {
  int fd =
      openat(dir_fd, relative_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  return ReadAll(fd, out);
}

bool ReadFileInPieces(const std::string& path,
                      const std::function<void(std::string_view)>& each) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::vector<char> buf(std::size_t{64} * 1024);
  return ReadPieces(fd, buf.data(), buf.size(), each);
}

}  // namespace epx
