// SPDX-License-Identifier: Apache-2.0
// HTML pages are mustache templates compiled into the binary
// (http/page_templates.h), rendered by kainjow mustache, which escapes every
// {{value}}; a {{{value}}} is HTML another template already rendered.
#pragma once

#include <kainjow/mustache.hpp>

#include <string>
#include <utility>
#include <vector>

namespace epx {

/// The values a template is rendered with (objects, lists, strings, bools).
using TemplateData = kainjow::mustache::data;

/// A list of TemplateData, for {{#section}}...{{/section}} over rows.
TemplateData TemplateList();

/// Pure: renders one of the templates of http/page_templates.h with data.
/// A template that does not parse is a build defect: the answer is then an
/// HTML paragraph naming the error (the unit tests render every template).
std::string RenderTemplate(const std::string& text, const TemplateData& data);

/// Pure: text with & < > " ' escaped for HTML text and attribute values
/// (the library's escaping, for the few values shown outside a template).
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
  /// The table, with the class given (may be empty), from kTableTemplate.
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
