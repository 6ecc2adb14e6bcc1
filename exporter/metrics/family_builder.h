// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "prometheus/metric_family.h"

namespace epx {

/// Builds metric families named "ephemeral_port_<name>": each family is
/// made in the order of the calls, filled with Set, and the non-empty ones
/// taken in that order.
class FamilyBuilder {
 public:
  using Labels = std::vector<prometheus::ClientMetric::Label>;

  /// A new gauge family; the reference stays valid until TakeNonEmpty.
  prometheus::MetricFamily& Gauge(const std::string& name,
                                  const std::string& help) {
    return Add(name, help, prometheus::MetricType::Gauge);
  }
  /// A new counter family; the reference stays valid until TakeNonEmpty.
  prometheus::MetricFamily& Counter(const std::string& name,
                                    const std::string& help) {
    return Add(name, help, prometheus::MetricType::Counter);
  }

  /// Adds one series of family with labels and value.
  static void Set(prometheus::MetricFamily& family, Labels labels,
                  double value) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    if (family.type == prometheus::MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    family.metric.push_back(std::move(m));
  }

  /// The families that have at least one series, in the order made.
  std::vector<prometheus::MetricFamily> TakeNonEmpty() {
    std::vector<prometheus::MetricFamily> out;
    for (auto& f : families_) {
      if (!f.metric.empty()) out.push_back(std::move(f));
    }
    return out;
  }

 private:
  prometheus::MetricFamily& Add(const std::string& name,
                                const std::string& help,
                                prometheus::MetricType type) {
    prometheus::MetricFamily f;
    f.name = "ephemeral_port_" + name;
    f.help = help;
    f.type = type;
    families_.push_back(std::move(f));
    return families_.back();
  }

  std::deque<prometheus::MetricFamily> families_;
};

}  // namespace epx
