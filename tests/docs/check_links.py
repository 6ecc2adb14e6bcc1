#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Fails when a relative link in the README, CONTRIBUTING.md or docs/ does
not resolve: the file must exist and, for a Markdown target, the #anchor must
be one of its headings (GitHub's slugs). Usage: check_links.py REPO_ROOT"""
import os
import re
import sys

LINK = re.compile(r'(?<!!)\[(?:[^\]\\]|\\.)*\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
FENCE = re.compile(r'^(```|~~~)')


def slug(heading):
    text = re.sub(r'`|\*\*|\*|_(?=\w)|(?<=\w)_', '', heading.strip())
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)
    text = text.lower()
    text = re.sub(r'[^\w\- ]', '', text)
    return text.replace(' ', '-')


def prose_lines(path):
    """Lines outside fenced code blocks, with their numbers."""
    fenced = False
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            if FENCE.match(line.strip()):
                fenced = not fenced
                continue
            if not fenced:
                yield number, line


def anchors(path):
    seen = {}
    out = set()
    for _, line in prose_lines(path):
        m = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', line)
        if not m:
            continue
        s = slug(m.group(1))
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.add(s if n == 0 else '%s-%d' % (s, n))
    return out


def main():
    root = os.path.abspath(sys.argv[1])
    files = [os.path.join(root, 'README.md'),
             os.path.join(root, 'CONTRIBUTING.md')]
    docs = os.path.join(root, 'docs')
    files += sorted(os.path.join(docs, f) for f in os.listdir(docs)
                    if f.endswith('.md'))
    problems = []
    checked = 0
    for path in files:
        if not os.path.exists(path):
            problems.append('%s: missing' % os.path.relpath(path, root))
            continue
        for number, line in prose_lines(path):
            for target in LINK.findall(re.sub(r'`[^`]*`', '', line)):
                if re.match(r'^[a-z][a-z0-9+.-]*:', target, re.I):
                    continue
                checked += 1
                file_part, _, anchor = target.partition('#')
                dest = (os.path.normpath(os.path.join(os.path.dirname(path),
                                                      file_part))
                        if file_part else path)
                where = '%s:%d: %s' % (os.path.relpath(path, root), number,
                                       target)
                if not os.path.exists(dest):
                    problems.append(where + ': no such file')
                elif anchor and dest.endswith('.md') and \
                        anchor not in anchors(dest):
                    problems.append(where + ': no heading with anchor #' +
                                    anchor + ' in ' +
                                    os.path.relpath(dest, root))
    for p in problems:
        print(p)
    if problems:
        print('%d broken link(s) of %d checked' % (len(problems), checked))
        return 1
    print('%d relative links resolve in %d files' % (checked, len(files)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
