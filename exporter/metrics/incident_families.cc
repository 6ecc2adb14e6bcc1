// SPDX-License-Identifier: Apache-2.0
#include "metrics/incident_families.h"

#include "metrics/family_builder.h"

namespace epx {

std::vector<prometheus::MetricFamily> IncidentFamilies(
    const IncidentStatus& status) {
  FamilyBuilder b;
  FamilyBuilder::Set(b.Gauge("incident_active",
                             "1 while an incident is open (a headline reached "
                             "incidents.threshold or connects failed for lack "
                             "of a port), else 0; see /incidents."),
                     {}, status.open ? 1 : 0);
  FamilyBuilder::Set(b.Counter("incidents_total",
                               "Incidents opened since the exporter started."),
                     {}, static_cast<double>(status.opened));
  FamilyBuilder::Set(
      b.Counter("incident_store_errors_total",
                "Incident files that could not be written (full disk, "
                "read-only or missing storage.path) since start."),
      {}, static_cast<double>(status.store_errors));
  FamilyBuilder::Set(b.Gauge("incident_store_writable",
                             "0 after an incident file could not be written, "
                             "until one is written again; else 1."),
                     {}, status.store_writable ? 1 : 0);
  return b.TakeNonEmpty();
}

}  // namespace epx
