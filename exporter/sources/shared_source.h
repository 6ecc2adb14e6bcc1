// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "sources/host_source.h"

namespace epx {

/// One host source shared by several users (the scrapes and the
/// self-test): copies share it, and their collections run one at a time.
class SharedSource : public HostSource {
 public:
  explicit SharedSource(std::unique_ptr<HostSource> source)
      : state_(std::make_shared<State>()) {
    state_->source = std::move(source);
  }
  Snapshot Collect() override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->source->Collect();
  }
  std::string SocketSourceInUse() const override {
    return state_->source->SocketSourceInUse();
  }
  /// Not under the collection lock: scrapes go on meanwhile.
  void WaitForFirstReadings(std::chrono::milliseconds limit) override {
    state_->source->WaitForFirstReadings(limit);
  }

 private:
  struct State {
    std::mutex mutex;
    std::unique_ptr<HostSource> source;
  };
  std::shared_ptr<State> state_;
};

}  // namespace epx
