// SPDX-License-Identifier: Apache-2.0
#include "model/socket_record.h"

namespace epx {

const char* ProtocolName(Protocol protocol) {
  return protocol == Protocol::kTcp ? "tcp" : "udp";
}

const char* SocketStateName(SocketState state) {
  switch (state) {
    case SocketState::kEstablished:
      return "established";
    case SocketState::kSynSent:
      return "syn_sent";
    case SocketState::kSynRecv:
      return "syn_recv";
    case SocketState::kFinWait1:
      return "fin_wait1";
    case SocketState::kFinWait2:
      return "fin_wait2";
    case SocketState::kTimeWait:
      return "time_wait";
    case SocketState::kClose:
      return "close";
    case SocketState::kCloseWait:
      return "close_wait";
    case SocketState::kLastAck:
      return "last_ack";
    case SocketState::kListen:
      return "listen";
    case SocketState::kClosing:
      return "closing";
    case SocketState::kNewSynRecv:
      return "new_syn_recv";
    case SocketState::kBound:
      return "bound";
    case SocketState::kDeleteTcb:
      return "delete_tcb";
    case SocketState::kUnconnected:
      return "unconnected";
  }
  return "unknown";
}

bool IsExclusiveState(SocketState state) {
  return state == SocketState::kListen || state == SocketState::kBound ||
         state == SocketState::kClose || state == SocketState::kUnconnected;
}

bool HoldsPortForEveryDestination(const SocketRecord& socket) {
  return IsExclusiveState(socket.state) ||
         (socket.protocol == Protocol::kTcp &&
          (socket.kernel_facts & kFactBindBucket) != 0);
}

}  // namespace epx
