#!/usr/bin/env python3
"""How far bare pdfplumber (`page.extract_tables()`, default settings) gets on the variant corpus.

A pdfplumber table is *found* when most of its rows match rows of one expected table: a row matches
when its non-empty cells (whitespace removed) all occur in the expected row and cover at least half
of that row's distinct non-empty cells. An expected table counts as found when at least one
pdfplumber table (one per page it spans) is found for it. *Cells right* counts the expected
non-empty body cells whose text sits at the matching row and column of a found pdfplumber table
(its columns are mapped to expected columns by majority vote over the matched rows; a merged cell
must carry its text in every row and column it covers, as the expected rows do).

usage: pdfplumber_baseline.py [DIR] [--out FILE]       prints a Markdown table (and writes it to FILE)
"""
from __future__ import annotations

import argparse
import glob
import json
import logging
import os
import sys
from collections import Counter

import pdfplumber

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import norm  # noqa: E402

logging.getLogger("pdfminer").setLevel(logging.ERROR)


def row_matches(got: list[str], want: list[str]) -> bool:
    cells = [c for c in got if c]
    distinct = {c for c in want if c}
    if not cells or not distinct:
        return False
    pool = Counter(want)
    for c in cells:
        if pool[c] <= 0:
            return False
        pool[c] -= 1
    return len(set(cells)) * 2 >= len(distinct)


def match_rows(got_rows, want_rows) -> dict[int, int]:
    """pdfplumber row index -> expected row index, in order, one to one."""
    out, used = {}, set()
    for i, g in enumerate(got_rows):
        for j, w in enumerate(want_rows):
            if j not in used and row_matches(g, w):
                out[i] = j
                used.add(j)
                break
    return out


def score(exp: dict, pdf_path: str) -> tuple[int, int, int, int]:
    want = [[[norm(c) for c in r] for r in t["rows"]] for t in exp["tables"]]
    found = [False] * len(want)
    right = [set() for _ in want]               # (row, col) of expected cells got right
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            for tab in page.extract_tables():
                rows = [[norm(c) for c in r] for r in tab]
                best, best_m = None, {}
                for k, w in enumerate(want):
                    m = match_rows(rows, w)
                    if len(m) > len(best_m):
                        best, best_m = k, m
                if best is None or len(best_m) * 2 <= len(rows):
                    continue
                found[best] = True
                votes: dict[int, Counter] = {}
                for i, j in best_m.items():
                    for kcol, c in enumerate(rows[i]):
                        for jcol, e in enumerate(want[best][j]):
                            if c and c == e:
                                votes.setdefault(kcol, Counter())[jcol] += 1
                colmap = {k: v.most_common(1)[0][0] for k, v in votes.items()}
                for i, j in best_m.items():
                    for kcol, c in enumerate(rows[i]):
                        jcol = colmap.get(kcol)
                        if jcol is not None and c and c == want[best][j][jcol]:
                            right[best].add((j, jcol))
    cells = sum(1 for w in want for r in w for c in r if c)
    return len(want), sum(found), cells, sum(len(r) for r in right)


def main() -> int:
    ap = argparse.ArgumentParser(description="bare pdfplumber extract_tables() on the variant corpus")
    ap.add_argument("dir", nargs="?", default=os.path.join(HERE, "variants"))
    ap.add_argument("--out", help="also write the table to this file")
    args = ap.parse_args()
    lines = ["| variant | producer | tables expected | tables found | cells expected | cells right |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    total = [0, 0, 0, 0]
    for path in sorted(glob.glob(os.path.join(args.dir, "*.json"))):
        exp = json.load(open(path, encoding="utf-8"))
        if not exp["tables"]:
            continue
        s = score(exp, path[:-5] + ".pdf")
        total = [a + b for a, b in zip(total, s, strict=True)]
        lines.append(f"| {exp['id']} | {exp['producer']} | {s[0]} | {s[1]} | {s[2]} | {s[3]} |")
    lines.append(f"| **total** | | {total[0]} | {total[1]} | {total[2]} | {total[3]} "
                 f"({100 * total[3] / max(total[2], 1):.0f}%) |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("# Bare pdfplumber on the variant corpus\n\n"
                    "`page.extract_tables()` with default settings, scored by `pdfplumber_baseline.py` "
                    "(variants without tables left out).\n\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
