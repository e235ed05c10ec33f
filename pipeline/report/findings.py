"""What a researcher should look at before citing a plan's rows: values that did not parse, checks that
disagree, indicators without a key, pages whose text is not the PDF's own, the run's warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.report.data import Row, manifest, read_rows, recorded_error, recorded_warnings

# a page whose text-quality figure (pages.text_quality, where the pipeline records one) is below this is listed
LOW_TEXT_QUALITY = 0.9
QUALITY_COLUMNS = ("text_quality", "quality")


@dataclass
class Findings:
    unknown_values: list[Row] = field(default_factory=list)  # indicator_values, parse_status unknown
    unknown_cells: list[Row] = field(default_factory=list)  # table_cells, parse_status unknown
    disagreeing_checks: list[Row] = field(default_factory=list)  # indicator_checks, agrees false (with a page)
    unkeyed: list[Row] = field(default_factory=list)  # one per indicator row without an indicator_key
    text_pages: list[Row] = field(default_factory=list)  # pages read by OCR or with a low text-quality figure
    text_note: str = ""  # what the pages dataset records about where its text came from
    indicator_rows: int = 0
    keyed_rows: int = 0
    warnings: list[str] = field(default_factory=list)  # recorded by the run (manifest, run log)
    error: str | None = None  # the latest run's failure (run log, manifest)

    @property
    def keyed_share(self) -> float | None:
        return self.keyed_rows / self.indicator_rows if self.indicator_rows else None

    @property
    def problems(self) -> int:
        return len(self.unknown_values) + len(self.unknown_cells) + len(self.disagreeing_checks)


def unknown(rows: list[Row]) -> list[Row]:
    return [r for r in rows if r.get("parse_status") == "unknown"]


def indicator_rows(values: list[Row]) -> dict[tuple[str, int], Row]:
    """One value row per indicator row (table_id, row_no): the first, which carries the name, key and page."""
    first: dict[tuple[str, int], Row] = {}
    for r in values:
        first.setdefault((r["table_id"], r["row_no"]), r)
    return first


def disagreeing(checks: list[Row], values: list[Row]) -> list[Row]:
    """Checks whose growth does not take the base to the target, with the page of their row."""
    pages = {k: r["page"] for k, r in indicator_rows(values).items()}
    return [{**c, "page": pages.get((c["table_id"], c["row_no"]))} for c in checks if c.get("agrees") is False]


def text_pages(pages: list[Row]) -> tuple[list[Row], str]:
    """Pages whose text was read by OCR or scores low on text quality, and a note on what the dataset records."""
    if not pages:
        return [], "no pages"
    columns = set(pages[0])
    quality = next((c for c in QUALITY_COLUMNS if c in columns), None)
    if "text_source" not in columns and quality is None:
        return [], "pages records no text source or text-quality figure: every page's text is the PDF's text layer"
    found = [
        p
        for p in pages
        if p.get("text_source") not in (None, "pdf")
        or (quality is not None and p.get(quality) is not None and p[quality] < LOW_TEXT_QUALITY)
    ]
    what = " and ".join(x for x in ("text_source" if "text_source" in columns else "", quality or "") if x)
    return found, f"from pages.{what}; low: below {LOW_TEXT_QUALITY}"


def plan_findings(out: Path, plan_id: str, run: Row | None = None) -> Findings:
    """What to check in a plan's output; `run` is its row in the latest run's log, if any."""
    values = read_rows(out, "indicator_values", plan_id)
    rows = indicator_rows(values)
    found, note = text_pages(read_rows(out, "pages", plan_id))
    man = manifest(out, plan_id)
    return Findings(
        unknown_values=unknown(values),
        unknown_cells=unknown(read_rows(out, "table_cells", plan_id)),
        disagreeing_checks=disagreeing(read_rows(out, "indicator_checks", plan_id), values),
        unkeyed=[r for r in rows.values() if r.get("indicator_key") is None],
        text_pages=found,
        text_note=note,
        indicator_rows=len(rows),
        keyed_rows=sum(r.get("indicator_key") is not None for r in rows.values()),
        warnings=recorded_warnings(man, run or {}),
        error=recorded_error(man, run or {}),
    )
