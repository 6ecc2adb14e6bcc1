// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "analysis/port_usage.h"
#include "model/snapshot.h"

namespace epx {

/// Pure (Linux, when the namespace has VRFs): splits the pools the way the
/// kernel does and fills report->vrf_exhaustion. TCP (tcp_l3mdev_accept 0):
/// bind buckets and 4-tuples are per l3mdev (inet_bind_bucket_match,
/// inet_bound_dev_eq), so each VRF and the default one get their own
/// headline and the host TCP headline becomes the worst of them. UDP
/// (udp_lib_lport_inuse compares bound devices): a socket bound to the VRF
/// device conflicts with unbound sockets and those bound to the same device;
/// the host UDP headline (unbound clients, every socket) stays.
void AnalyzeVrfPools(const Snapshot& snapshot, const AnalysisOptions& options,
                     PortUsageReport* report);

}  // namespace epx
