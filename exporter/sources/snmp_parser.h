#pragma once

#include <string>

#include "model/snapshot.h"

namespace epx {

/// Pure: reads the Tcp: header/value line pair of /proc/net/snmp; false
/// with *error set if the Tcp lines are missing or malformed.
bool ParseProcNetSnmp(const std::string& text, TcpCounters* out,
                      std::string* error);

}  // namespace epx
