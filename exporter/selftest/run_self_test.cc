// SPDX-License-Identifier: Apache-2.0
#include "selftest/run_self_test.h"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <stdexcept>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "selftest/loopback_activity.h"
#include "sources/self_test_host.h"

namespace epx {
namespace {

double UnixNow() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Shared by the caller and the thread that runs the checks.
struct Run {
  std::mutex mutex;
  std::condition_variable done_changed;
  bool done = false;
  std::string step;
  std::vector<SelfTestCheck> checks;

  void Step(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex);
    step = what;
  }
  void Add(SelfTestCheck check) {
    std::lock_guard<std::mutex> lock(mutex);
    checks.push_back(std::move(check));
  }
};

// The sockets of this process, and any socket on a port of the activity
// (TIME_WAIT and other kernel-owned ends have no owner).
SocketFilter OwnSockets(const SelfTestActivity& activity) {
  std::set<std::uint16_t> ports;
  for (const ExpectedSocket& e : activity.sockets) {
    ports.insert(e.local_port);
    if (e.remote_port != 0) ports.insert(e.remote_port);
  }
  std::int64_t pid = activity.pid;
  return [ports, pid](const SocketRecord& r) {
    return r.pid == pid || ports.count(r.local_port) > 0 ||
           ports.count(r.remote_port) > 0;
  };
}

void RunChecks(const SelfTestOptions& options, Run* run) {
  run->Step("starting the configured source");
  std::string in_use = options.source.socket_source;
  // Each collection keeps only the sockets the checks look at: on a host
  // with 100,000 connections a whole copy is tens of megabytes.
  std::function<Snapshot(const SocketFilter&)> collect;
  if (options.collect) {
    auto limit = std::chrono::milliseconds(
        static_cast<std::int64_t>(options.timeout_seconds * 1000));
    collect = [&options, limit](const SocketFilter& keep) {
      std::shared_ptr<const Snapshot> s = options.collect(limit);
      if (s == nullptr)
        throw std::runtime_error("the collection did not complete");
      return CopyKeepingSockets(*s, keep);
    };
  } else {
    // The connect_events check below has a collector of its own.
    SourceOptions configured_options = options.source;
    configured_options.collect_connect_events = false;
    std::shared_ptr<HostSource> source = MakeHostSource(configured_options);
    if (!source->SocketSourceInUse().empty())
      in_use = source->SocketSourceInUse();
    run->Step("waiting for the first port-range reading");
    source->WaitForFirstReadings(
        std::chrono::seconds(kOneShotRangeWaitSeconds));
    collect = [source](const SocketFilter& keep) {
      Snapshot s = source->Collect();
      KeepSockets(&s, keep);
      return s;
    };
  }
  run->Step("reading the TCP counters before the activity");
  Snapshot before;
  CollectorStatus counters;
  counters.name = "tcp_stats";
  counters.success = ReadTcpCountersHere(options.source, &before.tcp_counters,
                                         &counters.error);
  before.collectors.push_back(counters);
  run->Step("opening the loopback sockets");
  LoopbackActivity loopback(options.connections);
  SelfTestActivity activity = loopback.activity();
  activity.process_name = OwnProcessNameHere();
  SocketFilter own = OwnSockets(activity);
  run->Step("collecting through " + in_use + " and the other socket sources");
  // The other sources collect beside the configured one, on a second core
  // where there is one: the first scrape waits for all of them.
  std::vector<SourceView> others;
  std::exception_ptr others_failed;
  auto collect_others = [&] {
    try {
      others = CollectOtherSocketSources(options.source, in_use, own,
                                         options.text_source_max_sockets);
    } catch (...) {
      others_failed = std::current_exception();
    }
  };
  std::thread beside;
  try {
    beside = std::thread(collect_others);
  } catch (const std::system_error&) {
    // No thread to spare: one after the other below.
  }
  Snapshot after;
  try {
    after = collect(own);
  } catch (...) {
    if (beside.joinable()) beside.join();
    throw;
  }
  if (beside.joinable()) {
    beside.join();
  } else {
    collect_others();
  }
  if (others_failed) std::rethrow_exception(others_failed);
  loopback.Close();

  SelfTestCheck sockets = CheckSockets(activity, after, in_use);
  for (const std::string& note : activity.notes)
    sockets.seen += "; not opened: " + note;
  run->Add(std::move(sockets));
  run->Add(CheckOwners(activity, after));
  SourceView configured{in_use, "", after};
  run->Add(CompareSocketSources(activity, configured, others));
  run->Step("reading the port range a second way");
  std::vector<PortRange> second;
  std::string second_name = "a second source", second_error;
  if (!ReadRangesSecondWay(options.source, after.range_source, &second,
                           &second_name, &second_error) &&
      second_error.empty())
    second_error = "no answer";
  run->Add(CheckPortRange(activity, after, second_name, second, second_error));
  run->Add(CheckOwnProcess(activity, after, options.source.procfs_root));
  run->Add(CheckWatchedServices(options.source.watched_services, after));
  run->Add(CheckTcpCounters(activity, before, after));
  SelfTestCheck events =
      CheckEventLog(after, options.source.event_lookback_seconds);
  if (events.seen != "no event collector on this OS") run->Add(events);
  run->Step("counting connect events");
  run->Add(CheckConnectEventsHere(options.source));
}

}  // namespace

SelfTestResult RunSelfTest(const SelfTestOptions& options) {
  auto start = std::chrono::steady_clock::now();
  auto run = std::make_shared<Run>();
  SelfTestResult result;
  try {
    std::thread([run, options] {
      try {
        RunChecks(options, run.get());
      } catch (const std::exception& e) {
        SelfTestCheck failed;
        failed.name = "finished";
        failed.outcome = CheckOutcome::kFail;
        failed.expected = "every check runs";
        failed.seen =
            "stopped by an error while " + run->step + ": " + e.what();
        run->Add(failed);
      }
      std::lock_guard<std::mutex> lock(run->mutex);
      run->done = true;
      run->done_changed.notify_all();
    }).detach();
  } catch (const std::exception& e) {
    SelfTestCheck failed;
    failed.name = "finished";
    failed.outcome = CheckOutcome::kFail;
    failed.expected = "the self-test thread starts";
    failed.seen = e.what();
    run->Add(failed);
    run->done = true;
  }
  std::unique_lock<std::mutex> lock(run->mutex);
  bool done = run->done_changed.wait_for(
      lock, std::chrono::duration<double>(options.timeout_seconds),
      [&] { return run->done; });
  result.checks = run->checks;
  if (!done) {
    SelfTestCheck late;
    late.name = "finished";
    late.outcome = CheckOutcome::kFail;
    late.expected = "every check within " +
                    std::to_string(static_cast<int>(options.timeout_seconds)) +
                    " s";
    late.seen = "still " + run->step;
    result.checks.push_back(late);
  }
  result.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  result.finished_seconds = UnixNow();
  return result;
}

void SelfTestRecord::Set(const SelfTestResult& result) {
  auto stored = std::make_shared<const SelfTestResult>(result);
  std::lock_guard<std::mutex> lock(mutex_);
  last_ = std::move(stored);
  stored_.notify_all();
}

bool SelfTestRecord::WaitForFirst(std::chrono::milliseconds limit) const {
  std::unique_lock<std::mutex> lock(mutex_);
  bool before_first = last_ == nullptr;
  stored_.wait_for(lock, limit,
                   [this] { return last_ != nullptr || stopping_; });
  return before_first;
}

void SelfTestRecord::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  stored_.notify_all();
}

std::shared_ptr<const SelfTestResult> SelfTestRecord::Last() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_;
}

std::shared_ptr<const SelfTestResult> SelfTestRecord::Run(
    const SelfTestOptions& options) {
  auto before = Last();
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  auto now = Last();
  if (now != before && now != nullptr) return now;
  Set(RunSelfTest(options));
  return Last();
}

}  // namespace epx
