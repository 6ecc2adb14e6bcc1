// SPDX-License-Identifier: Apache-2.0
#include "http/html.h"

namespace epx {

std::string EscapeHtml(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

HtmlTable::HtmlTable(std::vector<std::string> header, std::vector<bool> numeric)
    : header_(std::move(header)), numeric_(std::move(numeric)) {
  numeric_.resize(header_.size(), false);
}

void HtmlTable::Add(
    std::vector<std::string> cells,
    std::vector<std::pair<std::string, std::string>> attributes) {
  rows_.push_back({std::move(cells), std::move(attributes)});
}

std::string HtmlTable::Render(const std::string& css_class) const {
  std::string out = "<table";
  if (!css_class.empty()) out += " class=\"" + EscapeHtml(css_class) + "\"";
  out += "><thead><tr>";
  for (std::size_t i = 0; i < header_.size(); ++i) {
    out += numeric_[i] ? "<th class=\"n\">" : "<th>";
    out += EscapeHtml(header_[i]) + "</th>";
  }
  out += "</tr></thead><tbody>\n";
  for (const Row& row : rows_) {
    out += "<tr";
    for (const auto& [name, value] : row.attributes)
      out += " " + name + "=\"" + EscapeHtml(value) + "\"";
    out += ">";
    for (std::size_t i = 0; i < row.cells.size(); ++i) {
      out += i < numeric_.size() && numeric_[i] ? "<td class=\"n\">" : "<td>";
      out += EscapeHtml(row.cells[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  return out;
}

}  // namespace epx
