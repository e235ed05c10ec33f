"""The command line's one-screen summary after an extraction: a line per plan, the batch's totals, failures,
and where the report is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.report.data import dataset_names, row_count

if TYPE_CHECKING:
    from pipeline.run.extract import Result

# the datasets shown per plan (every dataset is in the batch's totals), with their column headings
PER_PLAN = (
    ("pages", "pages"),
    ("outline", "outline"),
    ("paragraphs", "paras"),
    ("sidebars", "sidebars"),
    ("tables", "tables"),
    ("table_cells", "cells"),
    ("indicator_values", "values"),
)
REPORT_INDEX = Path("_report") / "index.html"
WIDTH = 100


def plan_counts(res: Result, out: Path) -> dict[str, int | None]:
    """Rows per dataset: what the run wrote, else (a plan up to date or failed) what `out` holds for it."""
    return {name: res.counts.get(name, row_count(out, name, res.plan_id)) for name in dataset_names()}


def warning_lines(res: Result) -> list[str]:
    found = getattr(res, "warnings", None) or []
    return [str(w) for w in found]


def fmt(n: int | None) -> str:
    return "-" if n is None else str(n)


def plan_line(res: Result, counts: dict[str, int | None], width: int) -> str:
    cells = [fmt(counts.get(name)) for name, _ in PER_PLAN]
    cells.append(str(len(warning_lines(res))))
    widths = [max(len(h), 5) for h in headings()]
    return f"{res.plan_id:<{width}}  {res.status:<10}" + "".join(
        f" {c:>{w}}" for c, w in zip(cells, widths, strict=True)
    )


def headings() -> list[str]:
    return [h for _, h in PER_PLAN] + ["warnings"]


def header(width: int) -> str:
    return f"{'plan':<{width}}  {'status':<10}" + "".join(f" {h:>5}" for h in headings())


def totals_lines(all_counts: list[dict[str, int | None]]) -> list[str]:
    """Every dataset's rows over the batch, wrapped to the screen's width."""
    parts = [f"{name} {sum(c.get(name) or 0 for c in all_counts)}" for name in dataset_names()]
    lines, line = [], "rows:"
    for p in parts:
        if len(line) + len(p) + 2 > WIDTH:
            lines.append(line)
            line = "     "
        line += f" {p},"
    lines.append(line.rstrip(","))
    return lines


def batch_line(results: list[Result]) -> str:
    by = {s: sum(r.status == s for r in results) for s in ("extracted", "up to date", "failed")}
    return f"{len(results)} plan(s): {by['extracted']} extracted, {by['up to date']} up to date, {by['failed']} failed"


def report_line(out: Path) -> str:
    index = Path(out) / REPORT_INDEX
    if index.is_file():
        return f"report: {index}"
    return f"report: none yet (python -m pipeline report --out {out})"


def summarize(results: list[Result], out: Path) -> str:
    """The summary of a batch as text: a line per plan (status, rows of the main datasets, warnings), the batch's
    totals over every dataset, each failure and warning on its line, and where the report is."""
    out = Path(out)
    width = max([len("plan"), *(len(r.plan_id) for r in results)])
    counts = [plan_counts(r, out) for r in results]
    lines = [header(width)]
    lines += [plan_line(r, c, width) for r, c in zip(results, counts, strict=True)]
    lines += ["", batch_line(results), *totals_lines(counts)]
    for r in results:
        if r.error is not None:
            lines.append(f"failed: {r.plan_id}: {r.error}")
        lines += [f"warning: {r.plan_id}: {w}" for w in warning_lines(r)]
    lines.append(report_line(out))
    return "\n".join(lines) + "\n"
