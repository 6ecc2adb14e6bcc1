// SPDX-License-Identifier: Apache-2.0
#include "metrics/incident_families.h"

#include <string>
#include <utility>

namespace epx {

namespace {

prometheus::MetricFamily One(const std::string& name, const std::string& help,
                             prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = name;
  family.help = help;
  family.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  family.metric.push_back(std::move(m));
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> IncidentFamilies(
    const IncidentStatus& status) {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  out.push_back(One("ephemeral_port_incident_active",
                    "1 while an incident is open (a headline reached "
                    "incidents.threshold or connects failed for lack of a "
                    "port), else 0; see /incidents.",
                    MetricType::Gauge, status.open ? 1 : 0));
  out.push_back(One("ephemeral_port_incidents_total",
                    "Incidents opened since the exporter started.",
                    MetricType::Counter, static_cast<double>(status.opened)));
  out.push_back(One("ephemeral_port_incident_store_errors_total",
                    "Incident files that could not be written (full disk, "
                    "read-only or missing storage.path) since start.",
                    MetricType::Counter,
                    static_cast<double>(status.store_errors)));
  out.push_back(One("ephemeral_port_incident_store_writable",
                    "0 after an incident file could not be written, until "
                    "one is written again; else 1.",
                    MetricType::Gauge, status.store_writable ? 1 : 0));
  return out;
}

}  // namespace epx
