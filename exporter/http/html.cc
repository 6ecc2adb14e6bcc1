// SPDX-License-Identifier: Apache-2.0
#include "http/html.h"

#include "http/page_templates.h"

namespace epx {

using kainjow::mustache::mustache;

TemplateData TemplateList() { return TemplateData(TemplateData::type::list); }

std::string RenderTemplate(const std::string& text, const TemplateData& data) {
  mustache page(text);
  std::string out;
  if (page.is_valid()) out = page.render(data);
  if (!page.is_valid())
    return "<p class=\"warn\">page template: " +
           EscapeHtml(page.error_message()) + "</p>\n";
  return out;
}

std::string EscapeHtml(const std::string& text) {
  return kainjow::mustache::html_escape(text);
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
  TemplateData head = TemplateList();
  for (std::size_t i = 0; i < header_.size(); ++i) {
    TemplateData th;
    th.set("text", header_[i]);
    th.set("n", static_cast<bool>(numeric_[i]));
    head.push_back(th);
  }
  TemplateData rows = TemplateList();
  for (const Row& row : rows_) {
    TemplateData attrs = TemplateList();
    for (const auto& [name, value] : row.attributes) {
      TemplateData attr;
      attr.set("name", name);
      attr.set("value", value);
      attrs.push_back(attr);
    }
    TemplateData cells = TemplateList();
    for (std::size_t i = 0; i < row.cells.size(); ++i) {
      TemplateData td;
      td.set("text", row.cells[i]);
      td.set("n", i < numeric_.size() && numeric_[i]);
      cells.push_back(td);
    }
    TemplateData tr;
    tr.set("attrs", attrs);
    tr.set("cells", cells);
    rows.push_back(tr);
  }
  TemplateData table;
  table.set("class", css_class);
  table.set("has_class", !css_class.empty());
  table.set("head", head);
  table.set("rows", rows);
  return RenderTemplate(kTableTemplate, table);
}

}  // namespace epx
