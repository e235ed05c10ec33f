"""Compare indicator-table extraction: this pipeline vs pdfplumber's extract_tables() vs camelot lattice.

    python -m pipeline.tools.compare_tables raw/jindong-2021.pdf ../shared/fixtures/expected/jindong-2021.json

Each tool reads every page of the PDF; the time is wall-clock for that. A tool's rows are
matched to the expected rows leniently: a candidate row contains the indicator's name; its
cells right are the expected values found in order after the name (longest common
subsequence, whitespace and NFKC ignored); a row is intact when all of them are. This
pipeline is also scored strictly (exact cell by cell, with category, 序号 and name, as
../shared/tools/score.py does).
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

from pipeline.core.text import norm


def core(name: str) -> str:
    n = norm(name).split("：")[-1].split(":")[-1]
    n = re.sub(r"^其中", "", n)
    return re.sub(r"\([^()]*\)$", "", n)


def lcs(a: list[str], b: list[str]) -> int:
    dp = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a)):
        for j in range(len(b)):
            dp[i + 1][j + 1] = dp[i][j] + 1 if a[i] == b[j] else max(dp[i][j + 1], dp[i + 1][j])
    return dp[-1][-1]


def lenient_score(expected: dict[str, Any], rows: list[list[str]]) -> tuple[int, int, int, int]:
    """(cells right, cells expected, rows intact, rows expected) over every expected table."""
    cells_ok = cells_all = rows_ok = rows_all = 0
    normed = [[norm(c) for c in r] for r in rows]
    for table in expected["tables"]:
        for r in table["rows"]:
            want = [norm(r[c]) for c in table["columns"]]
            key = core(r["name"])
            best = 0
            for cand in normed:
                for k, cell in enumerate(cand):
                    if key and key in cell:
                        best = max(best, lcs(want, cand[k + 1 :]))
                        break
            cells_ok += best
            cells_all += len(want)
            rows_ok += best == len(want)
            rows_all += 1
    return cells_ok, cells_all, rows_ok, rows_all


def ours(pdf: Path) -> tuple[list[list[str]], list[dict[str, Any]], list[dict[str, Any]], float]:
    from pipeline.layout import layout
    from pipeline.pdf import ingest
    from pipeline.tables import tables

    t0 = time.perf_counter()
    lay = layout.run(ingest.run(pdf))
    found = tables.run(lay)
    tabs, cells = found.indicator_tables, found.indicator_cells
    seconds = time.perf_counter() - t0
    by_row: dict[tuple[str, int], list[str]] = {}
    for c in cells:
        by_row.setdefault((c["table_id"], c["row_no"]), [c["category"], c["seq"], c["name"]]).append(c["raw_text"])
    return list(by_row.values()), tabs, cells, seconds


def plumber(pdf: Path) -> tuple[list[list[str]], float]:
    import pdfplumber

    t0 = time.perf_counter()
    rows: list[list[str]] = []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            for t in page.extract_tables():
                rows.extend([c or "" for c in r] for r in t)
            page.close()
    return rows, time.perf_counter() - t0


def camelot_lattice(pdf: Path) -> tuple[list[list[str]] | None, float]:
    try:
        import camelot  # type: ignore[import-not-found]
    except ImportError:
        return None, 0.0
    t0 = time.perf_counter()
    found = camelot.read_pdf(str(pdf), pages="all", flavor="lattice")
    rows = [list(map(str, r)) for t in found for r in t.df.values.tolist()]
    return rows, time.perf_counter() - t0


def strict_score(
    expected: dict[str, Any], cells: list[dict[str, Any]], tables_by_title: dict[str, str]
) -> tuple[int, int]:
    ok = total = 0
    for table in expected["tables"]:
        tid = tables_by_title.get(norm(table["title"]))
        mine = [c for c in cells if c["table_id"] == tid]
        for r in table["rows"]:
            cand = [
                c
                for c in mine
                if norm(c["seq"]) == norm(r["seq"])
                and core(c["name"]) == core(r["name"])
                and norm(c["category"]) == norm(r["category"])
            ]
            rows = sorted({c["row_no"] for c in cand})
            vals = {norm(c["column"]): norm(c["raw_text"]) for c in cand if rows and c["row_no"] == rows[0]}
            for col in table["columns"]:
                total += 1
                ok += vals.get(norm(col)) == norm(r[col])
    return ok, total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pdf", type=Path)
    ap.add_argument("expected", type=Path)
    args = ap.parse_args(argv)
    expected = json.loads(args.expected.read_text(encoding="utf-8"))

    our_rows, tabs, our_cells, our_t = ours(args.pdf)
    by_title = {norm(t["title"]): t["table_id"] for t in tabs}
    strict_ok, strict_all = strict_score(expected, our_cells, by_title)
    results = [("this pipeline (tables stage, ingest included)", lenient_score(expected, our_rows), our_t)]
    pl_rows, pl_t = plumber(args.pdf)
    results.append(("pdfplumber extract_tables()", lenient_score(expected, pl_rows), pl_t))
    cam_rows, cam_t = camelot_lattice(args.pdf)
    if cam_rows is not None:
        results.append(("camelot lattice", lenient_score(expected, cam_rows), cam_t))
    print(f"{'tool':<48} {'cells right':>14} {'rows intact':>12} {'seconds':>8}")
    for name, (c_ok, c_all, r_ok, r_all), secs in results:
        print(f"{name:<48} {c_ok:>6}/{c_all:<7} {r_ok:>5}/{r_all:<6} {secs:>8.1f}")
    print(f"{'this pipeline, strict (category, 序号, name, column)':<48} {strict_ok:>6}/{strict_all:<7}")
    if cam_rows is None:
        print("camelot is not installed: `make compare-tables` installs it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
