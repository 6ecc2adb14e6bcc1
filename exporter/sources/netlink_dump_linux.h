#pragma once

#include <string>
#include <vector>

#include "model/socket_record.h"

namespace epx {

/// Dumps every socket of the protocol and family in this network namespace
/// through NETLINK_SOCK_DIAG and appends them to *out. Returns false with
/// *error set (errno text) when the kernel refuses or the socket fails.
bool DumpInetDiag(Protocol protocol, Family family,
                  std::vector<SocketRecord>* out, std::string* error);

}  // namespace epx
