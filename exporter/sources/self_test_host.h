// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "selftest/self_test.h"
#include "sources/host_source.h"

namespace epx {

/// The OS half of the self-test: each function reads one data path a
/// second way, or makes activity only the OS can make.

/// The name the OS's process table gives this process.
std::string OwnProcessNameHere();

/// The socket sources of this OS other than `in_use`, each collected once
/// with sockets only, keeping those `keep` accepts as they are read (or
/// with the reason it did not run: Linux skips procfs on a host with more
/// than text_max_sockets sockets, unless that is 0).
std::vector<SourceView> CollectOtherSocketSources(const SourceOptions& options,
                                                  const std::string& in_use,
                                                  const SocketFilter& keep,
                                                  std::size_t text_max_sockets);

/// The TCP counters, read alone (the baseline before the activity).
bool ReadTcpCountersHere(const SourceOptions& options,
                         std::vector<TcpCounters>* out, std::string* error);

/// The port ranges read a second way (Linux: the sysctl files under
/// options.procfs_root; Windows: netsh when the source read WMI, WMI when
/// it read netsh); false with *error when that way does not answer.
bool ReadRangesSecondWay(const SourceOptions& options,
                         const std::string& first_source,
                         std::vector<PortRange>* ranges, std::string* name,
                         std::string* error);

/// The connect-event check (Linux: failures made in a private network
/// namespace with a tiny range, counted by a BPF program loaded there);
/// SKIP with the reason when the collector is off, not built, or the
/// privileges are missing.
SelfTestCheck CheckConnectEventsHere(const SourceOptions& options);

}  // namespace epx
