// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "analysis/namespace_usage.h"

namespace epx {

/// Pure: the incident page's section on the other network namespaces (the
/// namespaces collector): how many were read and failed, and one row per
/// reported namespace and protocol, worst first; "" when the collector is
/// off.
std::string NamespaceSectionHtml(const NamespaceReport& report);

}  // namespace epx
