// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/range_refresher.h"

#include <chrono>
#include <system_error>
#include <utility>

namespace epx {
namespace {

constexpr auto kRangeRefresh = std::chrono::minutes(5);
constexpr auto kRangeRetry = std::chrono::minutes(1);

double UnixNow() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RangeRefresher::RangeRefresher(Reader read) : read_(std::move(read)) {
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error& e) {
    PortRangeReading failed;
    failed.error = std::string("range thread: ") + e.what();
    cache_.Update(std::move(failed));
  }
}

RangeRefresher::~RangeRefresher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RangeRefresher::Run() {
  for (;;) {
    PortRangeReading reading;
    reading.read_seconds = UnixNow();
    read_(&stopping_, &reading);
    bool failed = !reading.error.empty();
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_) return;
    cache_.Update(std::move(reading));
    changed_.notify_all();
    changed_.wait_for(lock, failed ? kRangeRetry : kRangeRefresh,
                      [this] { return stopping_.load(); });
    if (stopping_) return;
  }
}

bool RangeRefresher::Fill(Snapshot* snapshot, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  return cache_.Fill(snapshot, error);
}

bool RangeRefresher::WaitForFirstReading(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, limit,
                           [this] { return cache_.has_reading(); });
}

}  // namespace epx
