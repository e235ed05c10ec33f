"""Score the pipeline on every corpus variant against what the generator knows it printed.

usage: python tests/corpus/score_pipeline.py [--out DIR] [--only NAME ...] [--markdown FILE] [--floors FILE]
                                             [--baseline [FILE]]

Per variant: chapters and sections (number and title), sidebar titles and texts (label and
title exact; text at least 98% alike, as in tests/scoring/score.py), tables found (caption or
title, else the table on the same pages whose rows match best) and table cells right (every
expected body cell, matched row by row on the column path, after NFKC and whitespace removal).
Also scores pdfplumber's `extract_tables()` baseline when --baseline is given (read from
pdfplumber_baseline.md). Prints a Markdown table; the figures are a dict per variant for tests.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
VARIANTS = HERE / "variants"
DASHES = dict.fromkeys(map(ord, "\u2212\u2013\u2014\uff0d\u2010\u2011"), "-")


def norm(s: Any) -> str:
    if s is None or (isinstance(s, float) and s != s):
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)).translate(DASHES))


def expected_files(only: Iterable[str] | None = None) -> list[Path]:
    names = set(only or [])
    return [p for p in sorted(VARIANTS.glob("*.json")) if not names or p.stem in names]


def extract(out: Path, only: Iterable[str] | None = None) -> int:
    from pipeline.cli import main

    pdfs = [str(p.with_suffix(".pdf")) for p in expected_files(only)]
    return main(["extract", *pdfs, "--out", str(out), "-q"])


def read(out: Path, dataset: str, plan_id: str) -> pd.DataFrame:
    p = out / dataset / f"plan_id={plan_id}" / "part-0.parquet"
    return pd.read_parquet(p) if p.exists() else pd.DataFrame()


def count(got: Iterable[Any], want: Iterable[Any]) -> tuple[int, int]:
    got_set, want_list = set(got), list(want)
    return sum(w in got_set for w in want_list), len(want_list)


def score_outline(out: Path, gold: dict[str, Any]) -> dict[str, tuple[int, int]]:
    df = read(out, "outline", gold["id"])
    if df.empty:
        return {"chapters": (0, len(gold["chapters"])), "sections": (0, len(gold["sections"]))}
    ch = df[df["level"] == "chapter"]
    se = df[df["level"] == "section"]
    return {
        "chapters": count(
            [(int(r.chapter_no), norm(r.title)) for r in ch.itertuples()],
            [(c["chapter_no"], norm(c["title"])) for c in gold["chapters"]],
        ),
        "sections": count(
            [(int(r.chapter_no), int(r.section_no), norm(r.title)) for r in se.itertuples()],
            [(s["chapter_no"], s["section_no"], norm(s["title"])) for s in gold["sections"]],
        ),
    }


def score_sidebars(out: Path, gold: dict[str, Any]) -> dict[str, tuple[int, int]]:
    df = read(out, "sidebars", gold["id"])
    want = gold["sidebars"]
    if df.empty:
        return {"sidebar_titles": (0, len(want)), "sidebar_text": (0, len(want))}
    titles = count(
        [(norm(r.sidebar_label), norm(r.title)) for r in df.itertuples()],
        [(norm(s["sidebar_label"]), norm(s["title"])) for s in want],
    )
    texts = [norm(r.text) for r in df.itertuples()]
    ok = 0
    for s in want:
        target = norm(s["text"])
        ok += any(difflib.SequenceMatcher(None, t, target, autojunk=False).ratio() >= 0.98 for t in texts)
    return {"sidebar_titles": titles, "sidebar_text": (ok, len(want))}


def pipeline_rows(cells: pd.DataFrame) -> list[dict[str, str]]:
    """Body rows of one table as {column path: text}, merged cells repeated in every slot they cover."""
    body = cells[~cells["is_header"]]
    header = cells[cells["is_header"]]
    paths = {int(c): norm(p) for c, p in zip(body["col_no"], body["column"], strict=True)}
    paths.update({int(c): norm(p) for c, p in zip(header["col_no"], header["column"], strict=True) if c not in paths})
    rows: dict[int, dict[str, str]] = {}
    for c in body.itertuples():
        for r in range(int(c.row_no), int(c.row_no) + int(c.rowspan)):
            for k in range(int(c.col_no), int(c.col_no) + int(c.colspan)):
                rows.setdefault(r, {})[paths.get(k, norm(c.column))] = norm(c.text)
    return [rows[r] for r in sorted(rows)]


def match_rows(want: list[list[str]], header: list[str], got: list[dict[str, str]]) -> int:
    """Cells right: each expected row against the unused pipeline row that agrees with it most."""
    cols = [norm(h) for h in header]
    used: set[int] = set()
    right = 0
    for row in want:
        cells = [(c, norm(v)) for c, v in zip(cols, row, strict=True) if norm(v)]
        best, best_i = 0, None
        for i, g in enumerate(got):
            if i in used:
                continue
            hits = sum(g.get(c) == v for c, v in cells)
            if hits > best:
                best, best_i = hits, i
        if best_i is not None:
            used.add(best_i)
        right += best
    return right


def find_table(tables: pd.DataFrame, cells: pd.DataFrame, t: dict[str, Any], used: set[str]) -> str | None:
    title = norm(t.get("title") or t.get("caption"))
    for r in tables.itertuples():
        if r.table_id not in used and title and norm(r.title) == title:
            return str(r.table_id)
    best, best_id = 0, None
    for r in tables.itertuples():
        if r.table_id in used or r.page_start > t["page_end"] or r.page_end < t["page_start"]:
            continue
        got = pipeline_rows(cells[cells["table_id"] == r.table_id])
        hits = match_rows(t["rows"], t["header"], got)
        if hits > best:
            best, best_id = hits, str(r.table_id)
    return best_id


def score_tables(out: Path, gold: dict[str, Any]) -> dict[str, tuple[int, int]]:
    want = gold["tables"]
    n_cells = sum(sum(bool(norm(v)) for v in row) for t in want for row in t["rows"])
    tables = read(out, "tables", gold["id"])
    cells = read(out, "table_cells", gold["id"])
    if tables.empty or cells.empty:
        return {"tables": (0, len(want)), "cells": (0, n_cells)}
    found = right = 0
    used: set[str] = set()
    for t in want:
        tid = find_table(tables, cells, t, used)
        if tid is None:
            continue
        used.add(tid)
        found += 1
        right += match_rows(t["rows"], t["header"], pipeline_rows(cells[cells["table_id"] == tid]))
    return {"tables": (found, len(want)), "cells": (right, n_cells)}


def score_variant(out: Path, expected: Path) -> dict[str, tuple[int, int]]:
    gold = json.loads(expected.read_text(encoding="utf-8"))
    return {**score_outline(out, gold), **score_sidebars(out, gold), **score_tables(out, gold)}


MEASURES = ("chapters", "sections", "sidebar_titles", "sidebar_text", "tables", "cells")
BASELINE = HERE / "pdfplumber_baseline.md"
BASELINE_MEASURES = ("pdfplumber_tables", "pdfplumber_cells")


def read_baseline(path: Path) -> dict[str, dict[str, tuple[int, int]]]:
    """pdfplumber's tables found and cells right per variant, from the table pdfplumber_baseline.py wrote
    (| variant | producer | tables expected | tables found | cells expected | cells right |)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) == 6 and cols[2].isdigit() and not cols[0].startswith("**"):
            n_tables, found, n_cells, right = (int(c.split()[0]) for c in cols[2:])
            out[cols[0]] = {"pdfplumber_tables": (found, n_tables), "pdfplumber_cells": (right, n_cells)}
    return out


def markdown(
    scores: dict[str, dict[str, tuple[int, int]]], baseline: dict[str, dict[str, tuple[int, int]]] | None = None
) -> str:
    """One row per variant, `right/expected` per measure; with `baseline`, pdfplumber's tables and cells beside
    (a variant without tables: 0/0)."""
    measures = MEASURES + (BASELINE_MEASURES if baseline is not None else ())
    none = dict.fromkeys(BASELINE_MEASURES, (0, 0))
    lines = ["| variant | " + " | ".join(measures) + " |", "|---" * (len(measures) + 1) + "|"]
    totals = dict.fromkeys(measures, (0, 0))
    for name, got in scores.items():
        s = {**got, **(baseline or {}).get(name, none)}
        lines.append(f"| {name} | " + " | ".join(f"{s[m][0]}/{s[m][1]}" for m in measures) + " |")
        totals = {m: (totals[m][0] + s[m][0], totals[m][1] + s[m][1]) for m in measures}
    lines.append("| **total** | " + " | ".join(f"{a}/{b}" for a, b in totals.values()) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="extract into this folder (default: a temporary one)")
    ap.add_argument("--only", nargs="*", help="variant names")
    ap.add_argument("--markdown", type=Path, help="also write the table to this file")
    ap.add_argument("--floors", type=Path, help="write the figures as the floors the tests hold them to")
    ap.add_argument(
        "--baseline",
        type=Path,
        nargs="?",
        const=BASELINE,
        help="add pdfplumber's tables found and cells right, read from this file (default: pdfplumber_baseline.md)",
    )
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="corpus-"))
    extract(out, args.only)
    scores = {p.stem: score_variant(out, p) for p in expected_files(args.only)}
    text = markdown(scores, read_baseline(args.baseline) if args.baseline else None)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.floors:
        floors = {name: {m: right for m, (right, _) in s.items()} for name, s in scores.items()}
        args.floors.write_text(json.dumps(floors, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    sys.exit(main())
