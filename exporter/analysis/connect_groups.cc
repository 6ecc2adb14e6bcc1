// SPDX-License-Identifier: Apache-2.0
#include "analysis/connect_groups.h"

#include <algorithm>

namespace epx {

std::uint32_t WorstConnectGroup(std::vector<ConnectGroupMember>* members,
                                const std::set<std::uint16_t>& exclusive) {
  std::vector<ConnectGroupMember>& m = *members;
  std::sort(m.begin(), m.end());
  m.erase(std::unique(m.begin(), m.end()), m.end());
  std::uint32_t worst = 0;
  for (std::size_t i = 0; i < m.size();) {
    std::size_t j = i;
    std::uint32_t own = 0;
    for (; j < m.size() && std::get<0>(m[j]) == std::get<0>(m[i]) &&
           std::get<1>(m[j]) == std::get<1>(m[i]) &&
           std::get<2>(m[j]) == std::get<2>(m[i]);
         ++j) {
      own += exclusive.count(std::get<3>(m[j])) == 0;
    }
    worst = std::max(worst, own);
    i = j;
  }
  return worst;
}

}  // namespace epx
