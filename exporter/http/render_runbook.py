#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Renders docs/runbook.md into one self-contained HTML page and writes it
as a C++ source file, so the exporter can serve it at /runbook.

Markdown goes through cmark (the CommonMark reference implementation, the
Debian package cmark); this script only gives every heading an id (the
GitHub slug of its text, the anchors the alert rules' runbook_url use),
drops links into the repository that mean nothing outside it, and wraps the
page with inline CSS (no external assets).

usage: render_runbook.py CMARK RUNBOOK_MD OUT_CC [OUT_HTML]
"""
import html
import re
import subprocess
import sys

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;
padding:0 1em;line-height:1.45;color:#1b1b1b}
pre{background:#f3f3f3;padding:.6em;overflow-x:auto}
code{font-size:.92em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}
h2{border-top:1px solid #ddd;padding-top:.6em}
nav a{margin-right:1em}
"""


def slug(heading_html):
    """The GitHub anchor of a rendered heading: its text, lower case,
    punctuation other than '-' and '_' dropped, spaces as '-'."""
    text = html.unescape(re.sub(r"<[^>]*>", "", heading_html)).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def add_ids(body):
    seen = {}

    def one(m):
        level, inner = m.group(1), m.group(2)
        anchor = slug(inner)
        if anchor in seen:
            seen[anchor] += 1
            anchor = "%s-%d" % (anchor, seen[anchor])
        else:
            seen[anchor] = 0
        return '<h%s id="%s">%s</h%s>' % (level, anchor, inner, level)

    return re.sub(r"<h([1-6])>(.*?)</h\1>", one, body, flags=re.S)


def drop_repository_links(body):
    """Keeps anchors and absolute URLs; a link into the source tree becomes
    its text."""
    return re.sub(r'<a href="(?!#|https?://)[^"]*">(.*?)</a>', r"\1", body,
                  flags=re.S)


def page(body):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\">"
            "<title>Ephemeral port runbook</title><style>" + STYLE +
            "</style></head><body>\n<nav><a href=\"./\">Incident page</a>"
            "</nav>\n" + body + "</body></html>\n")


def cc_source(text):
    lines = ["// GENERATED from docs/runbook.md by exporter/http/render_runbook.py.",
             '#include "http/runbook_page.h"', "", "namespace epx {", "",
             "const std::string& RunbookHtml() {",
             "  static const std::string kHtml ="]
    data = text.encode("utf-8")
    for start in range(0, len(data), 64):
        chunk = data[start:start + 64]
        lines.append('      "' + "".join("\\x%02x" % b for b in chunk) + '"')
    lines[-1] += ";"
    lines += ["  return kHtml;", "}", "", "}  // namespace epx", ""]
    return "\n".join(lines)


def main():
    if len(sys.argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    cmark, source, out_cc = sys.argv[1:4]
    with open(source, encoding="utf-8") as f:
        markdown = f.read()
    body = subprocess.run([cmark, "--to", "html"], input=markdown, check=True,
                          capture_output=True, text=True).stdout
    text = page(drop_repository_links(add_ids(body)))
    with open(out_cc, "w", encoding="utf-8") as f:
        f.write(cc_source(text))
    if len(sys.argv) == 5:
        with open(sys.argv[4], "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
