// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace epx {

/// Blocks termination signals for this and later threads; call before any
/// thread starts so WaitForStopSignal() receives them.
void PrepareStopSignals();

/// Blocks until SIGINT/SIGTERM (Ctrl+C or service stop on Windows).
void WaitForStopSignal();

/// Waits up to `seconds` or until a stop signal; true if stop was requested.
bool SleepUnlessStopped(double seconds);

/// This machine's host name, or "localhost" if unknown.
std::string HostName();

/// Makes all threads share one heap arena, so memory freed after a scrape
/// on one server thread is reused by the next scrape on another, and maps
/// every block of 256 KiB or more on its own, so a scrape's socket list
/// goes back to the OS when freed and its unused tail is never touched.
/// Call once before threads start.
void TuneAllocator();

/// Returns freed heap memory to the OS (after a scrape's snapshot is gone).
void ReturnFreedMemory();

/// Returns to the OS the calling thread's stack pages below its current
/// frame, touched by deeper calls that have returned (Linux; no-op
/// elsewhere).
void ReleaseUnusedStack();

/// Windows: true when args start with "service", the form the installer
/// registers with the service control manager; removes that word. Always
/// false elsewhere.
bool TakeServiceCommand(std::vector<std::string>* args);

/// Windows service: reports RUNNING; the serve command calls it once its
/// server listens (until then START_PENDING, its checkpoint raised by
/// ReportStartProgress). No-op
/// at a console and elsewhere.
void ReportServing();

/// Windows service: the start reached a milestone (config read, source
/// created): the START_PENDING checkpoint rises. No-op elsewhere.
void ReportStartProgress();

/// Windows service: counts a start error in the data folder's
/// start-error.txt (removed once the service runs); true when it must be
/// logged: a new error, or its 10th, 100th, 1000th... time in a row
/// (*repeats). Elsewhere true with *repeats 1.
bool ShouldLogStartError(const std::string& message, std::uint64_t* repeats);

/// Windows service: sets *count to the failed opens and renames of
/// exporter.log so far and returns true. False at a console and elsewhere.
bool ServiceLogFailures(std::uint64_t* count);

/// The state directory incidents go to when storage.path is not set:
/// /var/lib/ephemeral-port-exporter, or on Windows
/// %ProgramData%\ephemeral_port_exporter\incidents.
std::string DefaultStoragePath();

/// Windows: runs `body` (the serve command) as the service
/// "ephemeral_port_exporter" under the service control manager; a Stop or
/// Shutdown request ends WaitForStopSignal() (STOP_PENDING, the process
/// ended after 15 s; a crash reports STOPPED, exit code 5, before it ends); the
/// data folder is created with a protected DACL (a folder others may write gets
/// it, one owned by another account is refused: exit code 4 and an Application
/// event), and stderr goes to
/// %ProgramData%\ephemeral_port_exporter\exporter.log (timestamped, renamed
/// to exporter.log.1 at 10 MB).
/// Returns body's exit status. Elsewhere: runs body.
int RunAsService(const std::function<int()>& body);

}  // namespace epx
