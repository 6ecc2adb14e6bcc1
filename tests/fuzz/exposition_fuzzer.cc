// SPDX-License-Identifier: Apache-2.0
// Hostile label values through the exposition: fuzz bytes become process
// names, service names, addresses and the build version; every line of the
// text format must stay well-formed (escaped label values, valid UTF-8, one
// sample per line).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "analysis/port_usage.h"
#include "fuzz_input.h"
#include "metrics/report_families.h"
#include "prometheus/text_serializer.h"

namespace {

bool IsValidUtf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t extra;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Checks one sample line: name{label="value",...} value
void CheckSample(const std::string& line) {
  std::size_t i = 0;
  EPX_FUZZ_CHECK(i < line.size() && IsNameStart(line[i]), line);
  while (i < line.size() && IsNameChar(line[i])) ++i;
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      EPX_FUZZ_CHECK(IsNameStart(line[i]), line);
      while (i < line.size() && IsNameChar(line[i])) ++i;
      EPX_FUZZ_CHECK(
          i + 1 < line.size() && line[i] == '=' && line[i + 1] == '"', line);
      i += 2;
      for (;;) {
        EPX_FUZZ_CHECK(i < line.size(), line);  // unterminated value
        char c = line[i];
        if (c == '"') break;
        if (c == '\\') {
          EPX_FUZZ_CHECK(
              i + 1 < line.size() && (line[i + 1] == '\\' ||
                                      line[i + 1] == '"' || line[i + 1] == 'n'),
              line);
          i += 2;
          continue;
        }
        ++i;
      }
      ++i;  // closing quote
      if (i < line.size() && line[i] == ',') ++i;
    }
    EPX_FUZZ_CHECK(i < line.size() && line[i] == '}', line);
    ++i;
  }
  EPX_FUZZ_CHECK(i < line.size() && line[i] == ' ', line);
  std::string value = line.substr(i + 1);
  std::size_t space = value.find(' ');
  if (space != std::string::npos) value = value.substr(0, space);
  if (value == "NaN" || value == "+Inf" || value == "-Inf") return;
  char* end = nullptr;
  std::strtod(value.c_str(), &end);
  EPX_FUZZ_CHECK(!value.empty() && *end == '\0', line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::vector<std::string> pieces = epx_fuzz::SplitAtNul(data, size);
  auto piece = [&](std::size_t k) { return pieces[k % pieces.size()]; };

  epx::PortUsageReport report;
  report.processes_collected = true;
  for (std::size_t k = 0; k < pieces.size() && k < 8; ++k) {
    epx::ProcessUsage process;
    process.pid = static_cast<std::int64_t>(k + 1);
    process.name = piece(k);
    process.in_use = {static_cast<std::uint32_t>(k), 1};
    epx::ProcessStateCount count;
    count.sockets = k + 1;
    process.sockets.push_back(count);
    report.processes.push_back(process);

    epx::ServiceUsage service;
    service.name = piece(k + 1);
    service.running = k % 2 == 0;
    report.services.push_back(service);

    epx::DestinationUsage destination;
    destination.remote_address = piece(k + 2);
    destination.remote_port = static_cast<std::uint16_t>(k * 1000);
    destination.in_use = 3;
    report.destinations.push_back(destination);

    epx::LocalAddressUsage local;
    local.address = piece(k + 3);
    report.local_addresses.push_back(local);

    epx::UnattributedUsage unattributed;
    unattributed.reason = piece(k + 4);
    report.unattributed.push_back(unattributed);
  }
  epx::BuildInfo build{piece(5), piece(3), piece(4), piece(6), piece(7)};

  std::ostringstream out;
  prometheus::TextSerializer().Serialize(
      out, epx::BuildMetricFamilies(report, build));
  std::string text = out.str();
  EPX_FUZZ_CHECK(text.empty() || text.back() == '\n', "no final newline");
  EPX_FUZZ_CHECK(IsValidUtf8(text), "exposition is not valid UTF-8");
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0)
      continue;
    EPX_FUZZ_CHECK(line[0] != '#', line);
    CheckSample(line);
  }
  return 0;
}
