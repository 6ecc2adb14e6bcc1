// SPDX-License-Identifier: Apache-2.0
#include <cstdio>
#include <string>

#include "selftest/self_test.h"

namespace epx {
namespace {

std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

std::string Padded(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " "
                              : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::string FormatSelfTest(const SelfTestResult& result) {
  constexpr std::size_t kName = 16, kOutcome = 7;
  const std::string indent(kName + kOutcome, ' ');
  std::string out =
      Padded("CHECK", kName) + Padded("RESULT", kOutcome) + "DETAILS\n";
  int counts[3] = {0, 0, 0};
  for (const SelfTestCheck& c : result.checks) {
    ++counts[static_cast<int>(c.outcome)];
    out += Padded(c.name, kName) +
           Padded(CheckOutcomeName(c.outcome), kOutcome) +
           "expected: " + c.expected + "\n";
    out += indent + "seen:     " + c.seen + "\n";
    out += indent + "metrics:  " + c.metrics + "\n";
  }
  char tail[160];
  std::snprintf(tail, sizeof tail,
                "selftest: %s: %d passed, %d failed, %d skipped in %.1f s\n",
                result.Failed() ? "FAILED" : "OK", counts[0], counts[1],
                counts[2], result.duration_seconds);
  return out + tail;
}

std::string SelfTestLogLines(const SelfTestResult& result) {
  std::string out;
  for (const SelfTestCheck& c : result.checks) {
    out += std::string("level=") +
           (c.outcome == CheckOutcome::kFail ? "warn" : "info") +
           " msg=\"selftest\" check=" + c.name +
           " result=" + CheckOutcomeName(c.outcome) +
           " expected=" + Quoted(c.expected) + " seen=" + Quoted(c.seen) + "\n";
  }
  return out;
}

int SelfTestExitCode(const SelfTestResult& result) {
  return result.Failed() ? 1 : 0;
}

}  // namespace epx
