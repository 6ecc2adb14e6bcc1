// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace epx {

/// A few long-lived threads that run the work of building responses, so
/// the hundreds of server threads, each waiting on one connection, do not
/// each keep the stack and per-thread allocator caches that a scrape
/// touched. Thread-safe.
class RenderPool {
 public:
  /// Starts `threads` threads (at least one).
  explicit RenderPool(int threads);
  /// Finishes the queued work, then joins the threads.
  ~RenderPool();
  RenderPool(const RenderPool&) = delete;
  RenderPool& operator=(const RenderPool&) = delete;

  /// Runs work on a pool thread and returns when it is done; an exception
  /// it throws is thrown here. Runs it on the calling thread if the pool
  /// has no thread.
  void Run(const std::function<void()>& work);

 private:
  struct Job;
  void Serve();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace epx
