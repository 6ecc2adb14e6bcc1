// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace epx {

/// Reads a whole file into *out; false (errno preserved) if it cannot.
bool ReadFile(const std::string& path, std::string* out);

/// Reads a whole file relative to a directory fd, without following a
/// symlink in its last component; false if it cannot.
bool ReadFileAt(int dir_fd, const std::string& relative_path, std::string* out);

/// Reads a file in pieces of at most 64 KiB, handing each to each; false
/// (errno preserved) if it cannot be opened or read.
bool ReadFileInPieces(const std::string& path,
                      const std::function<void(std::string_view)>& each);

}  // namespace epx
