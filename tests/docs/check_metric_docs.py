#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every metric family the exporter can emit is documented in exactly one
collector doc, and every family a collector doc documents is still emitted.

Where the families come from, and why that way: the exposition is built in
exporter/metrics/ with one FamilyBuilder (metrics/family_builder.h) that
names each family "ephemeral_port_" + the first argument of
Gauge()/Counter(), a string literal or an element of a literal array. The test reads those arguments from the
source (and any full "ephemeral_port_..." literal in exporter/, for families
made another way), so a family counts from the moment the code can emit it,
whatever a given host or fixture fills in; a call whose name it cannot read
fails the test rather than being skipped. The golden exposition
(tests/e2e/golden/*.prom) is a cross-check of the reader: each of its
families must be among those found. The family code is the same on Linux and
Windows (no #if in exporter/metrics/, checked here), so one set serves both
OSes; which OS fills a family is stated in its collector doc.

Documented means: named in the first cell of a table row of a
docs/collector.<name>.md file. Usage: check_metric_docs.py REPO_ROOT"""
import glob
import os
import re
import sys

PREFIX = 'ephemeral_port_'
NOT_METRICS = {'ephemeral_port_exporter'}
CALL = re.compile(r'\b(?:Gauge|Counter)\(\s*')
NAME = re.compile(r'[a-z][a-z0-9_]*$')


def line_of(text, offset):
    return text.count('\n', 0, offset) + 1


def code_families(root, problems):
    """{family: 'file:line'} for every family the exporter can emit."""
    found = {}
    builder = os.path.join(root, 'exporter/metrics/family_builder.h')
    prefix_rule = (os.path.exists(builder) and '"%s" + name' % PREFIX
                   in open(builder, encoding='utf-8').read())
    metrics = sorted(glob.glob(os.path.join(root, 'exporter/metrics/*.cc')))
    if not metrics:
        problems.append('no exporter/metrics/*.cc: the test needs updating')
    for path in metrics:
        rel = os.path.relpath(path, root)
        text = open(path, encoding='utf-8').read()
        for m in re.finditer(r'^\s*#\s*if', text, re.M):
            problems.append(
                '%s:%d: a preprocessor condition in the exposition code: the '
                'families may now differ by OS, which this test does not '
                'model yet (teach it the per-OS sets)' %
                (rel, line_of(text, m.start())))
        uses_builder = CALL.search(text) is not None
        if uses_builder and not (prefix_rule and
                                 '"metrics/family_builder.h"' in text):
            problems.append('%s: Gauge()/Counter() calls but not through '
                            'metrics/family_builder.h with its "%s" + name '
                            'prefix rule: the test needs updating' %
                            (rel, PREFIX))
        for m in CALL.finditer(text):
            where = '%s:%d' % (rel, line_of(text, m.start()))
            rest = text[m.end():]
            lit = re.match(r'"([^"]*)"', rest)
            arr = re.match(r'(\w+)\[', rest)
            if lit and NAME.match(lit.group(1)):
                found.setdefault(PREFIX + lit.group(1), where)
            elif arr:
                decl = re.search(r'\b%s\[\]\s*=\s*\{([^}]*)\}' %
                                 re.escape(arr.group(1)), text)
                names = re.findall(r'"([^"]*)"', decl.group(1)) if decl else []
                if not names:
                    problems.append('%s: cannot read the family names of '
                                    '%s[]: the test needs updating' %
                                    (where, arr.group(1)))
                for n in names:
                    found.setdefault(PREFIX + n, where)
            elif not re.match(r'const std::string&', rest):
                problems.append('%s: cannot read this family name: the test '
                                'needs updating' % where)
    for path in sorted(glob.glob(os.path.join(root, 'exporter/**/*.cc'),
                                 recursive=True)):
        rel = os.path.relpath(path, root)
        text = open(path, encoding='utf-8').read()
        for m in re.finditer(r'"(%s[a-z0-9_]+)"' % PREFIX, text):
            if m.group(1) not in NOT_METRICS:
                found.setdefault(m.group(1),
                                 '%s:%d' % (rel, line_of(text, m.start())))
    return found


def golden_families(root):
    out = set()
    for path in glob.glob(os.path.join(root, 'tests/e2e/golden/*.prom')):
        for line in open(path, encoding='utf-8'):
            m = re.match(r'# TYPE (\S+) ', line)
            if m:
                out.add(m.group(1))
    return out


def documented(root):
    """{family: [(doc, line)]} from the collector docs' tables."""
    out = {}
    docs = sorted(glob.glob(os.path.join(root, 'docs/collector.*.md')))
    for path in docs:
        rel = os.path.relpath(path, root)
        for number, line in enumerate(open(path, encoding='utf-8'), 1):
            if not line.startswith('|'):
                continue
            first = line.split('|')[1]
            for name in re.findall(r'%s[a-z0-9_]+' % PREFIX, first):
                out.setdefault(name, []).append((rel, number))
    return out, [os.path.relpath(p, root) for p in docs]


def similar(name, doc_of):
    """The documented family sharing the most leading name words with name
    (at least one), or None."""
    words = name[len(PREFIX):].split('_')
    best, best_len = None, 0
    for other in sorted(doc_of):
        theirs = other[len(PREFIX):].split('_')
        n = 0
        while n < min(len(words), len(theirs)) and words[n] == theirs[n]:
            n += 1
        if n > best_len:
            best, best_len = other, n
    return best


def main():
    root = os.path.abspath(sys.argv[1])
    problems = []
    code = code_families(root, problems)
    for name in sorted(golden_families(root) - set(code)):
        problems.append('%s is in tests/e2e/golden but was not found in the '
                        'code: the reader in this test missed it' % name)
    docs, doc_files = documented(root)
    if not doc_files:
        problems.append('no docs/collector.*.md found')
    doc_of = {n: places[0][0] for n, places in docs.items()}
    order = sorted(code, key=lambda n: (code[n].split(':')[0],
                                        int(code[n].split(':')[1])))
    for i, name in enumerate(order):
        if name in docs:
            if len({d for d, _ in docs[name]}) > 1:
                problems.append('%s is documented in more than one collector '
                                'doc: %s; keep it in one' %
                                (name, ', '.join('%s:%d' % p
                                                 for p in docs[name])))
            continue
        source = code[name].split(':')[0]
        hint = ('the docs/collector.<name>.md of what fills it (nothing near '
                'it in %s is documented yet; a new doc also needs its row in '
                'the README\'s collector table)' % source)
        same_file = [n for n in order[:i][::-1]
                     if code[n].split(':')[0] == source and n in doc_of]
        kin = similar(name, doc_of)
        if same_file:
            hint = '%s (which documents %s, defined just before it)' % (
                doc_of[same_file[0]], same_file[0])
        elif kin:
            hint = '%s (which documents %s, named like it)' % (doc_of[kin],
                                                               kin)
        problems.append('%s (emitted by %s) is missing from the collector '
                        'docs: add a row for it to %s' %
                        (name, code[name], hint))
    for name in sorted(set(docs) - set(code)):
        for doc, number in docs[name]:
            problems.append('%s:%d documents %s, which the exporter no longer '
                            'emits (not found in exporter/metrics/*.cc)' %
                            (doc, number, name))
    readme = open(os.path.join(root, 'README.md'), encoding='utf-8').read()
    for doc in doc_files:
        if doc not in readme:
            problems.append('%s is not linked from the README\'s collector '
                            'table' % doc)
    for p in problems:
        print(p)
    if problems:
        print('FAIL: %d problem(s); %d families in the code, %d documented' %
              (len(problems), len(code), len(docs)))
        return 1
    print('%d metric families, each documented in one of %d collector docs' %
          (len(code), len(doc_files)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
