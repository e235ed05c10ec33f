#!/usr/bin/env python3
"""Sanity check: every variant's PDF shows what its expected JSON says.

For each variants/<name>.json: the PDF's page count matches; the title, headings, paragraphs, sidebar
titles and texts, table captions, header words and body cells can be found in the page text (all
whitespace removed, radicals folded; a table cell may also be found down a column of text, since a
wrapped cell's lines interleave with its neighbours' in plain page text); and each invisible string
is in the text layer but nothing is painted where it sits.

usage: check_variants.py [DIR] [--only NAME ...]       prints one line per variant, exits 1 on a mismatch
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys

import logging

import pdfplumber

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import PAGE_NUMBER, norm  # noqa: E402

logging.getLogger("pdfminer").setLevel(logging.ERROR)


class PageText:
    """A page's text lines, and a search that follows a string down a column of wrapped lines."""

    def __init__(self, page):
        chars = sorted((c for c in page.chars if c["text"].strip()), key=lambda c: (c["top"], c["x0"]))
        rows: list[list[dict]] = []
        for c in chars:
            if rows and abs(rows[-1][0]["top"] - c["top"]) < 2.5:
                rows[-1].append(c)
            else:
                rows.append([c])
        self.rows = []                     # (top, size, [(text, x0, x1)]) in reading order
        for r in rows:
            r.sort(key=lambda c: c["x0"])
            self.rows.append((r[0]["top"], max(c["size"] for c in r),
                              [(norm(c["text"]), c["x0"], c["x1"]) for c in r]))
        self.lines = ["".join(t for t, _, _ in cs) for _, _, cs in self.rows]

    def run(self, cs, j, s, size):
        """How many characters of s the characters from j on spell without a column-sized gap."""
        k, pos = 0, j
        while pos < len(cs) and k < len(s) and s.startswith(cs[pos][0], k) and cs[pos][0]:
            if pos > j and cs[pos][1] - cs[pos - 1][2] > 0.6 * size:
                break
            k += len(cs[pos][0])
            pos += 1
        return k, pos

    def find(self, s: str) -> bool:
        for n, (_, size, cs) in enumerate(self.rows):
            for j in range(len(cs)):
                if cs[j][0] and s.startswith(cs[j][0]) and self.follow(s, n, j, size, 0):
                    return True
        return False

    def follow(self, s, n, j, size, depth) -> bool:
        cs = self.rows[n][2]
        k, end = self.run(cs, j, s, size)
        if k == len(s):
            return True
        if k == 0 or depth > 8:
            return False
        lo, hi = cs[j][1], cs[end - 1][2]
        top = self.rows[n][0]
        for m in range(n + 1, len(self.rows)):          # the cell's next line: below, overlapping these characters
            t2, size2, cs2 = self.rows[m]
            if t2 - top > 2.6 * size:
                break
            for j2, (ch, x0, x1) in enumerate(cs2):
                if ch and s.startswith(ch, k) and x1 > lo - 1 and x0 < hi + 1 and \
                        (j2 == 0 or cs2[j2][1] - cs2[j2 - 1][2] > 0.2 * size2 or x0 >= lo - 1):
                    if self.follow(s[k:], m, j2, size2, depth + 1):
                        return True
        return False


class Checker:
    def __init__(self, pdf_path: str):
        self.pdf = pdfplumber.open(pdf_path)
        self.pages = [PageText(p) for p in self.pdf.pages]
        firsts = [p.lines[0] for p in self.pages if p.lines]
        header = {x for x in firsts if firsts.count(x) > 1}
        self.flat = "".join(x for p in self.pages for x in p.lines if x not in header and not PAGE_NUMBER.match(x))
        self.errors: list[str] = []

    def text(self, p0: int, p1: int) -> str:
        return "".join("".join(self.pages[i].lines) for i in range(p0 - 1, p1))

    def want(self, what: str, s: str | None, p0: int | None = None, p1: int | None = None, cell=False):
        s = norm(s)
        if not s:
            return
        p0, p1 = p0 or 1, p1 or p0 or len(self.pages)
        if s in self.text(p0, p1) or s in self.flat:
            return
        if cell and any(self.pages[i].find(s) for i in range(p0 - 1, p1)):
            return
        self.errors.append(f"{what} not found on p{p0}-{p1}: {s[:40]}")

    def invisible(self, s: str):
        """In the text layer, but the page is blank where its characters sit."""
        for page in self.pdf.pages:
            chars = [c for c in page.chars if c["text"].strip()]
            text = "".join(c["text"] for c in chars)
            i = text.find(s)
            if i < 0:
                continue
            run = chars[i:i + len(s)]
            img = page.to_image(resolution=72).original.convert("L")
            box = (int(min(c["x0"] for c in run)) + 1, int(min(c["top"] for c in run)) + 1,
                   int(max(c["x1"] for c in run)) - 1, int(max(c["bottom"] for c in run)) - 1)
            lo, _ = img.crop(box).getextrema()
            if lo < 200:
                self.errors.append(f"invisible {s!r} is painted on page {page.page_number}")
            return
        self.errors.append(f"invisible {s!r} not in the text layer")


def check(json_path: str) -> tuple[bool, str]:
    exp = json.load(open(json_path, encoding="utf-8"))
    pdf_path = json_path[:-5] + ".pdf"
    k = Checker(pdf_path)
    if len(k.pages) != exp["page_count"]:
        k.errors.append(f"page_count {len(k.pages)} != {exp['page_count']}")
    k.want("title", exp["title"])
    for h in exp["outline"]:
        k.want("heading", h["label"] + h["title"], h["page"])
    for p in exp["paragraphs"]:
        k.want("paragraph", p)
    for s in exp["sidebars"]:
        k.want("sidebar title", s["title"], s["page_start"], s["page_end"])
        for line in s["text"].split("\n"):
            k.want("sidebar text", line, s["page_start"], s["page_end"])
    n_cells = 0
    for t in exp["tables"]:
        p0, p1 = t["page_start"], t["page_end"]
        k.want("table title", t["title"], p0, p1)
        for n in (t["note"],):
            k.want("table note", n, p0, p1)
        for h in t["header"]:
            for part in h.split("/"):
                k.want("header", part, p0, p1, cell=True)
        for row in t["rows"]:
            for c in row:
                n_cells += 1
                k.want("cell", c, p0, p1, cell=True)
        for row in t["rows"]:
            for c in row:
                if c in exp["invisible"]:
                    k.errors.append(f"invisible string {c!r} is an expected cell")
    for s in exp["invisible"]:
        k.invisible(s)
    k.pdf.close()
    ok = not k.errors
    line = (f"{'ok  ' if ok else 'FAIL'} {exp['id']:32s} {exp['producer']:12s} {exp['page_count']} p "
            f"{len(exp['outline'])} headings {len(exp['tables'])} tables {n_cells} cells {len(exp['sidebars'])} sidebars")
    if not ok:
        line += "\n    " + "\n    ".join(k.errors[:12]) + (f"\n    ... {len(k.errors) - 12} more" if len(k.errors) > 12 else "")
    return ok, line


def main() -> int:
    ap = argparse.ArgumentParser(description="check the layout-variant corpus against its expected files")
    ap.add_argument("dir", nargs="?", default=os.path.join(HERE, "variants"))
    ap.add_argument("--only", nargs="+")
    args = ap.parse_args()
    paths = sorted(glob.glob(os.path.join(args.dir, "*.json")))
    if args.only:
        paths = [p for p in paths if os.path.basename(p)[:-5] in args.only]
    bad = 0
    for p in paths:
        ok, line = check(p)
        bad += not ok
        print(line, flush=True)
    print(f"{len(paths) - bad} passed, {bad} failed")
    return 1 if bad or not paths else 0


if __name__ == "__main__":
    sys.exit(main())
