// SPDX-License-Identifier: Apache-2.0
// NETLINK_SOCK_DIAG reply bytes, as one or two receive buffers.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_input.h"
#include "sources/linux/inet_diag_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size < 2) return 0;
  epx::Protocol protocol =
      (data[0] & 1) ? epx::Protocol::kUdp : epx::Protocol::kTcp;
  std::size_t split = data[1] % 2 == 0 ? size : 2 + (size - 2) / 2;
  std::vector<epx::SocketRecord> sockets;
  epx::InetDiagParseState state;
  // Exact-size heap copies so ASan sees any read past the buffer.
  std::vector<std::uint8_t> first(data + 2, data + split);
  epx::ParseInetDiagBuffer(first.data(), first.size(), protocol, &sockets,
                           &state);
  if (!state.done) {
    std::vector<std::uint8_t> second(data + split, data + size);
    epx::ParseInetDiagBuffer(second.data(), second.size(), protocol, &sockets,
                             &state);
  }
  // Each record needs at least a netlink header plus an inet_diag_msg.
  EPX_FUZZ_CHECK(sockets.size() * (epx::netlink_abi::kNlmsgHeaderSize +
                                   epx::netlink_abi::kInetDiagMsgSize) <=
                     size,
                 "more sockets than the bytes can hold");
  return 0;
}
