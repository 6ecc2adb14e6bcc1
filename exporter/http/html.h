// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace epx {

/// Pure: text with & < > " ' escaped for HTML text and attribute values.
std::string EscapeHtml(const std::string& text);

/// An HTML table built row by row; cells are text (escaped on Render).
class HtmlTable {
 public:
  /// numeric[i]: column i holds numbers (right-aligned, class "n").
  HtmlTable(std::vector<std::string> header, std::vector<bool> numeric);
  /// Adds a row; attributes (name, value) go on its <tr>.
  void Add(std::vector<std::string> cells,
           std::vector<std::pair<std::string, std::string>> attributes = {});
  bool Empty() const { return rows_.empty(); }
  /// The table, with the class given (may be empty).
  std::string Render(const std::string& css_class = "") const;

 private:
  struct Row {
    std::vector<std::string> cells;
    std::vector<std::pair<std::string, std::string>> attributes;
  };
  std::vector<std::string> header_;
  std::vector<bool> numeric_;
  std::vector<Row> rows_;
};

}  // namespace epx
