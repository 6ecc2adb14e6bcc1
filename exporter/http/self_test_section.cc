// SPDX-License-Identifier: Apache-2.0
#include "http/self_test_section.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "http/html.h"

namespace epx {

std::string SelfTestSectionHtml(const SelfTestResult* result) {
  std::string out = "<section id=\"selftest\"><h2>Self-test</h2>";
  if (result == nullptr) {
    return out +
           "<p>Not run yet (<code>--no-selftest.at-start</code>). Run it: "
           "<a href=\"selftest\">/selftest</a>.</p></section>";
  }
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
  out += std::string("<p>") +
         (result->Failed() ? "<strong>A check failed</strong>: the metrics "
                             "it names may be wrong on this host."
                           : "Every check that ran passed.") +
         " Last run at Unix time " + when +
         "; run it again: <a href=\"selftest\">/selftest</a>.</p>";
  return out + table.Render("selftest") + "</section>";
}

}  // namespace epx
