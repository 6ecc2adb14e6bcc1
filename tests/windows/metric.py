#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""metric.py EXPOSITION_FILE 'name{label="v",...}'

Prints the value of the series with exactly these labels (order free), or
"absent". A name without braces matches the series without labels.
"""
import re
import sys


def parse_labels(text):
    return dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', text or ""))


def main():
    path, wanted = sys.argv[1], sys.argv[2]
    m = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?$", wanted)
    name, labels = m.group(1), parse_labels(m.group(2))
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            s = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)", line)
            if s and s.group(1) == name and parse_labels(s.group(2)) == labels:
                print(s.group(3))
                return
    print("absent")


if __name__ == "__main__":
    main()
