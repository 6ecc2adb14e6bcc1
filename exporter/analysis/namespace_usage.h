// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/snapshot.h"

namespace epx {

struct AnalysisOptions;
struct ExhaustionSummary;

/// The headlines of one network namespace, by the host's analysis.
struct NamespaceUsage {
  NamespaceIdentity id;
  /// The worst exhaustion ratio of its protocols.
  double headline = 0;
  std::vector<ExhaustionSummary> exhaustion;
};

/// The namespaces collector's numbers: counts and the top namespaces.
struct NamespaceReport {
  bool valid = false;
  /// Namespaces found, other than the exporter's own.
  std::uint32_t found = 0;
  /// Namespaces read in full.
  std::uint32_t scanned = 0;
  /// Namespaces found but not entered or not read.
  std::uint32_t failed = 0;
  /// The top N by headline, highest first.
  std::vector<NamespaceUsage> top;
};

/// Pure: indexes of the n highest headlines, highest first; ties go to the
/// lower inode.
std::vector<std::size_t> TopByHeadline(const std::vector<double>& headlines,
                                       const std::vector<std::uint64_t>& inodes,
                                       std::size_t n);

/// Pure: runs the host's analysis on each namespace and keeps the
/// options.top_namespaces with the highest headlines.
NamespaceReport AnalyzeNamespaces(const NamespaceScan& scan,
                                  const AnalysisOptions& options);

}  // namespace epx
