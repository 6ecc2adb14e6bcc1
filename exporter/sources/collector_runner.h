#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include "model/snapshot.h"

namespace epx {

/// Runs one collector step `fn(std::string* error) -> bool`, times it and
/// records its outcome in snapshot->collectors; an exception or a false
/// return becomes success 0 and one log line. Never throws.
template <typename Fn>
void RunCollector(const char* name, Snapshot* snapshot, Fn fn) {
  auto start = std::chrono::steady_clock::now();
  CollectorStatus status;
  status.name = name;
  try {
    status.success = fn(&status.error);
  } catch (const std::exception& e) {
    status.success = false;
    status.error = e.what();
  } catch (...) {
    status.success = false;
    status.error = "unknown exception";
  }
  status.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (!status.success) {
    std::fprintf(stderr, "level=error collector=%s msg=\"%s\"\n", name,
                 status.error.c_str());
  }
  snapshot->collectors.push_back(std::move(status));
}

}  // namespace epx
