#pragma once

#include <string>

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

}  // namespace epx
