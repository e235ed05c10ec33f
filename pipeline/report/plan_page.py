"""A plan's overview page: what it is, counts per dataset, and the rows to look at before citing it."""

from __future__ import annotations

from pathlib import Path

from pipeline.report.data import Row, read_rows, row_counts
from pipeline.report.findings import Findings
from pipeline.report.html import Raw, document, link, page_link, section, table, text

DOC_FIELDS = (
    *("title", "region", "admin_level", "period", "edition", "revision_of", "page_count", "source_file"),
    *("producer", "heading_scheme", "pipeline_version"),
)


def plan_nav(plan_id: str) -> str:
    return (
        f"{link('../../index.html', 'all plans')} › <b>{text(plan_id)}</b> · {link('index.html', 'overview')} · "
        f"{link('pages.html', 'pages')} · {link('tables.html', 'tables')}"
    )


def about(doc: Row) -> Raw:
    rows = [[k, doc.get(k)] for k in DOC_FIELDS if doc.get(k) is not None]
    return table(["", ""], rows, cls="kv")


def counts(out: Path, plan_id: str) -> Raw:
    rows = [[name, n] for name, n in row_counts(out, plan_id).items()]
    return table(["dataset", "rows"], rows, numeric=[False, True])


def warnings_block(found: Findings) -> Raw:
    lines = ([f"failed: {found.error}"] if found.error else []) + found.warnings
    if not lines:
        return Raw('<p class="note">The run recorded no warnings for this plan.</p>')
    return Raw("<ul>" + "".join(f"<li>{text(x)}</li>" for x in lines) + "</ul>")


def unknown_values(found: Findings) -> Raw:
    headers = ["dataset", "table", "row", "name", "column", "as printed", "page"]
    rows = [
        [
            "indicator_values",
            r["table_id"],
            r["row_no"],
            r["indicator"],
            r["column"],
            r["raw_text"],
            page_link(r["page"]),
        ]
        for r in found.unknown_values
    ]
    rows += [
        ["table_cells", r["table_id"], r["row_no"], r.get("row_label"), r["column"], r["text"], page_link(r["page"])]
        for r in found.unknown_cells
    ]
    return table(headers, rows) if rows else Raw('<p class="note">Every value was read.</p>')


def disagreeing_checks(found: Findings) -> Raw:
    headers = ["table", "row", "indicator", "base", "target", "growth", "type", "implied target", "gap", "page"]
    rows = [
        [
            *(c["table_id"], c["row_no"], c["indicator"], f"{c['base_value']:g} ({c['base_year']})"),
            *(f"{c['target_value']:g} ({c['target_year']})", c["growth_text"], c["growth_type"]),
            *(c["implied_target"], f"{c['relative_gap']:+.1%}", page_link(c["page"])),
        ]
        for c in found.disagreeing_checks
    ]
    return table(headers, rows) if rows else Raw('<p class="note">Every check agrees (or there is none).</p>')


def unkeyed(found: Findings) -> Raw:
    rows = [[r["table_id"], r["row_no"], r["indicator"], r.get("unit"), page_link(r["page"])] for r in found.unkeyed]
    return table(["table", "row", "indicator", "unit", "page"], rows) if rows else Raw("")


def text_pages(found: Findings) -> Raw:
    rows = [
        [page_link(p["page"]), p.get("text_source"), p.get("text_quality", p.get("quality")), p.get("confidence")]
        for p in found.text_pages
    ]
    return table(["page", "text source", "text quality", "OCR confidence"], rows) if rows else Raw("")


def render(out: Path, plan_id: str, found: Findings, assets: str) -> str:
    doc = (read_rows(out, "documents", plan_id) or [{}])[0]
    share = found.keyed_share
    keyed_note = f"{found.keyed_rows} of {found.indicator_rows} indicator rows have an indicator_key" + (
        f" ({share:.0%})." if share is not None else "."
    )
    body = f"<h1>{text(plan_id)}</h1>"
    body += Raw('<div class="columns">') + section("The plan", about(doc)) + section("Rows", counts(out, plan_id))
    body += Raw("</div>")
    body += section("Warnings", warnings_block(found))
    body += section(
        f"Values that did not parse ({len(found.unknown_values) + len(found.unknown_cells)})",
        unknown_values(found),
        note="parse_status = unknown: the value grammar does not know the form; the text is kept, the value is null.",
    )
    body += section(
        f"Indicator checks that disagree ({len(found.disagreeing_checks)})",
        disagreeing_checks(found),
        note="The printed growth does not take the base to the target within 5%: a misread cell, or a plan "
        "that does not add up.",
    )
    body += section(f"Indicators without a key ({len(found.unkeyed)})", unkeyed(found), note=keyed_note)
    body += section(f"Pages read by OCR or with low text quality ({len(found.text_pages)})", text_pages(found))
    body += Raw(f'<p class="note">{text(found.text_note)}</p>')
    return document(f"{plan_id}: overview", body, assets, nav=plan_nav(plan_id))
