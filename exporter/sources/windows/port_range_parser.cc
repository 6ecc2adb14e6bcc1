// SPDX-License-Identifier: Apache-2.0
#include "sources/windows/port_range_parser.h"

#include <sstream>

namespace epx {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}

std::string Trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Parses a bare decimal number of at most 9 digits.
bool Number(const std::string& s, std::uint32_t* out) {
  if (s.empty() || s.size() > 9) return false;
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
  }
  *out = v;
  return true;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace

bool CheckDynamicPortSetting(std::uint32_t start, std::uint32_t count,
                             std::string* error) {
  if (start < 1 || start > 65535 || count < 1 || start + count - 1 > 65535) {
    *error = "start port " + std::to_string(start) + " with " +
             std::to_string(count) + " ports is not a range inside 1-65535";
    return false;
  }
  return true;
}

bool ParseNetshDynamicPortRange(const std::string& text,
                                DynamicPortSetting* out, std::string* error) {
  std::vector<std::uint32_t> values;
  for (const std::string& line : Lines(text)) {
    std::size_t colon = line.rfind(':');
    if (colon == std::string::npos) continue;
    std::uint32_t v;
    if (Number(Trim(line.substr(colon + 1)), &v)) values.push_back(v);
  }
  if (values.size() != 2) {
    *error =
        "expected two 'name : number' lines (start port, number of "
        "ports), found " +
        std::to_string(values.size());
    return false;
  }
  if (!CheckDynamicPortSetting(values[0], values[1], error)) return false;
  out->start = static_cast<std::uint16_t>(values[0]);
  out->count = values[1];
  return true;
}

bool ParseNetshExcludedPortRanges(
    const std::string& text,
    std::vector<std::pair<std::uint16_t, std::uint16_t>>* out,
    std::string* error) {
  out->clear();
  for (const std::string& raw : Lines(text)) {
    std::string line = Trim(raw);
    if (!line.empty() && line.back() == '*')
      line = Trim(line.substr(0, line.size() - 1));
    std::size_t gap = line.find_first_of(" \t");
    if (gap == std::string::npos) continue;
    std::uint32_t first, last;
    if (!Number(line.substr(0, gap), &first) ||
        !Number(Trim(line.substr(gap)), &last)) {
      continue;
    }
    if (first > last || last > 65535) {
      *error = "excluded port range '" + Trim(raw) +
               "' is not start <= end <= 65535";
      return false;
    }
    out->emplace_back(static_cast<std::uint16_t>(first),
                      static_cast<std::uint16_t>(last));
  }
  return true;
}

const char* WmiPortClassName(WmiPortClass wmi_class) {
  return wmi_class == WmiPortClass::kTcp ? "MSFT_NetTCPSetting"
                                         : "MSFT_NetUDPSetting";
}

std::vector<std::string> WmiPortSettingProperties(WmiPortClass wmi_class,
                                                  bool with_auto_reuse) {
  std::vector<std::string> names;
  if (wmi_class == WmiPortClass::kTcp) names.push_back("SettingName");
  names.push_back("DynamicPortRangeStartPort");
  names.push_back("DynamicPortRangeNumberOfPorts");
  if (wmi_class == WmiPortClass::kTcp && with_auto_reuse) {
    names.push_back("AutoReusePortRangeStartPort");
    names.push_back("AutoReusePortRangeNumberOfPorts");
  }
  return names;
}

std::string WmiPortSettingQuery(WmiPortClass wmi_class, bool with_auto_reuse) {
  std::string q = "SELECT ";
  bool first = true;
  for (const std::string& name :
       WmiPortSettingProperties(wmi_class, with_auto_reuse)) {
    if (!first) q += ", ";
    q += name;
    first = false;
  }
  return q + " FROM " + WmiPortClassName(wmi_class);
}

bool ChooseWmiAutoReuseRange(
    const std::vector<WmiPortSettingInstance>& instances,
    DynamicPortSetting* out) {
  const WmiPortSettingInstance* chosen = nullptr;
  for (const WmiPortSettingInstance& i : instances) {
    if (!i.has_auto_reuse || i.auto_reuse_count == 0) continue;
    std::string ignored;
    if (!CheckDynamicPortSetting(i.auto_reuse_start, i.auto_reuse_count,
                                 &ignored)) {
      continue;
    }
    if (chosen == nullptr ||
        (i.setting_name == "Internet" && chosen->setting_name != "Internet")) {
      chosen = &i;
    }
  }
  if (chosen == nullptr) return false;
  out->start = static_cast<std::uint16_t>(chosen->auto_reuse_start);
  out->count = chosen->auto_reuse_count;
  return true;
}

bool ChooseWmiDynamicPortRange(
    const std::vector<WmiPortSettingInstance>& instances,
    DynamicPortSetting* out, std::string* error) {
  const WmiPortSettingInstance* chosen = nullptr;
  for (const WmiPortSettingInstance& i : instances) {
    if (!i.has_range) continue;
    std::string ignored;
    if (!CheckDynamicPortSetting(i.start, i.count, &ignored)) continue;
    if (chosen == nullptr ||
        (i.setting_name == "Internet" && chosen->setting_name != "Internet")) {
      chosen = &i;
    }
  }
  if (chosen == nullptr) {
    *error = std::to_string(instances.size()) +
             " instances, none with a valid DynamicPortRangeStartPort/"
             "DynamicPortRangeNumberOfPorts";
    return false;
  }
  out->start = static_cast<std::uint16_t>(chosen->start);
  out->count = chosen->count;
  return true;
}

}  // namespace epx
