// SPDX-License-Identifier: Apache-2.0
#include "http/render_pool.h"

#include <exception>
#include <system_error>

namespace epx {

struct RenderPool::Job {
  const std::function<void()>* work;
  std::exception_ptr error;
  bool done = false;
  std::condition_variable finished;
};

RenderPool::RenderPool(int threads) {
  int n = threads < 1 ? 1 : threads;
  for (int i = 0; i < n; ++i) {
    try {
      threads_.emplace_back([this] { Serve(); });
    } catch (const std::system_error&) {
      break;
    }
  }
}

RenderPool::~RenderPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void RenderPool::Run(const std::function<void()>& work) {
  if (threads_.empty()) {
    work();
    return;
  }
  Job job;
  job.work = &work;
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&job);
  wake_.notify_one();
  job.finished.wait(lock, [&] { return job.done; });
  if (job.error) std::rethrow_exception(job.error);
}

void RenderPool::Serve() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    Job* job = queue_.front();
    queue_.pop_front();
    lock.unlock();
    try {
      (*job->work)();
    } catch (...) {
      job->error = std::current_exception();
    }
    lock.lock();
    job->done = true;
    job->finished.notify_one();
  }
}

}  // namespace epx
