// SPDX-License-Identifier: Apache-2.0
#include "http/self_test_section.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "http/html.h"
#include "http/page_templates.h"

namespace epx {

std::string SelfTestSectionHtml(const SelfTestResult* result) {
  TemplateData section;
  section.set("ran", result != nullptr);
  if (result == nullptr)
    return RenderTemplate(kSelfTestSectionTemplate, section);
  std::vector<const SelfTestCheck*> rows;
  for (const SelfTestCheck& c : result->checks) rows.push_back(&c);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const SelfTestCheck* a, const SelfTestCheck* b) {
                     return (a->outcome == CheckOutcome::kFail) >
                            (b->outcome == CheckOutcome::kFail);
                   });
  HtmlTable table({"Check", "Result", "Expected", "Seen", "Metrics"},
                  {false, false, false, false, false});
  for (const SelfTestCheck* c : rows) {
    table.Add({c->name, CheckOutcomeName(c->outcome), c->expected, c->seen,
               c->metrics},
              {{"class", c->outcome == CheckOutcome::kFail ? "fail" : ""}});
  }
  char when[96];
  std::snprintf(when, sizeof when, "%.0f", result->finished_seconds);
  section.set("failed", result->Failed());
  section.set("when", std::string(when));
  section.set("checks", table.Render("selftest"));
  return RenderTemplate(kSelfTestSectionTemplate, section);
}

}  // namespace epx
