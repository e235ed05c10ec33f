"""A plan's table views: every table of `tables` rebuilt as an HTML table from `table_cells` (merged cells
spanning as printed), beside the crop of each page it sits on with every cell outlined. Hovering a cell
on either side lights up the other (assets/tables.js); its typed value shows in its tooltip."""

from __future__ import annotations

from pathlib import Path

from pipeline.report.data import Row, read_rows
from pipeline.report.html import Raw, document, link, page_link, text
from pipeline.report.plan_page import plan_nav

CROP_WIDTH = 480  # CSS pixels a crop is shown at
CROP_MARGIN = 6.0  # PDF points around the table's cells


def grid_rows(cells: list[Row]) -> list[list[tuple[int, Row]]]:
    """The table's printed rows: header lines first (by header_level), then body rows; cells by column.
    Each cell keeps its index in `cells` (the key shared with its box on the crop)."""
    rows: dict[tuple[int, int], list[tuple[int, Row]]] = {}
    for i, c in enumerate(cells):
        key = (0, c.get("header_level") or 0) if c.get("is_header") else (1, c["row_no"])
        rows.setdefault(key, []).append((i, c))
    return [sorted(rows[k], key=lambda ic: ic[1]["col_no"]) for k in sorted(rows)]


def cell_title(c: Row) -> str:
    parts = [f"{c['table_id']} row {c['row_no']} col {c['col_no']}", f"column: {c.get('column') or ''}"]
    if c.get("value") is not None:
        parts.append(f"value: {c.get('comparator') or ''}{c['value']:g} {c.get('unit') or ''}".strip())
    if c.get("base_value") is not None:
        parts.append(f"base: {c['base_value']:g} {c.get('base_unit') or ''}".strip())
    parts.append(f"parse_status: {c.get('parse_status')}")
    return "\n".join(parts)


def cell_html(i: int, c: Row) -> str:
    tag = "th" if c.get("is_header") else "td"
    spans = "".join(f' {k}="{c[k]}"' for k in ("rowspan", "colspan") if (c.get(k) or 1) > 1)
    cls = " unknown" if c.get("parse_status") == "unknown" else ""
    return f'<{tag} class="cell{cls}" data-c="{i}"{spans} title="{text(cell_title(c))}">{text(c.get("text"))}</{tag}>'


def html_table(cells: list[Row]) -> str:
    rows = ["<tr>" + "".join(cell_html(i, c) for i, c in row) + "</tr>" for row in grid_rows(cells)]
    return f'<table class="cells">{"".join(rows)}</table>'


def region(cells: list[Row]) -> tuple[float, float, float, float]:
    boxes = [c["bbox"] for c in cells]
    return (
        min(b[0] for b in boxes) - CROP_MARGIN,
        min(b[1] for b in boxes) - CROP_MARGIN,
        max(b[2] for b in boxes) + CROP_MARGIN,
        max(b[3] for b in boxes) + CROP_MARGIN,
    )


def box_html(i: int, bbox: list[float], x0: float, top: float, s: float) -> str:
    """A cell's outline on a crop whose top-left corner is (x0, top), at `s` pixels a point."""
    left, up, width, height = (bbox[0] - x0) * s, (bbox[1] - top) * s, (bbox[2] - bbox[0]) * s, (bbox[3] - bbox[1]) * s
    style = f"left:{left:.1f}px;top:{up:.1f}px;width:{width:.1f}px;height:{height:.1f}px"
    return f'<div class="cbox" data-c="{i}" style="{style}"></div>'


def crop_html(page: Row, image: str | None, cells: list[tuple[int, Row]]) -> str:
    """The part of the page the cells cover, drawn from the page image, with a box per cell."""
    x0, top, x1, bottom = region([c for _, c in cells])
    s = CROP_WIDTH / (x1 - x0)
    style = f"width:{CROP_WIDTH}px;height:{(bottom - top) * s:.0f}px"
    if image:
        style += (
            f";background-image:url('{image}');background-size:{page['width'] * s:.1f}px {page['height'] * s:.1f}px"
        )
        style += f";background-position:{-x0 * s:.1f}px {-top * s:.1f}px"
    boxes = "".join(box_html(i, c["bbox"], x0, top, s) for i, c in cells)
    missing = "" if image else '<p class="note">no page image (the PDF was not found)</p>'
    label = page_link(page["page"])
    crop = f'<div class="crop" style="{style}">{boxes}</div>'
    return f'<figure class="crop-fig"><figcaption>{label}</figcaption>{crop}{missing}</figure>'


def table_section(t: Row, cells: list[Row], pages: dict[int, Row], images: dict[int, str]) -> str:
    by_page: dict[int, list[tuple[int, Row]]] = {}
    for i, c in enumerate(cells):
        by_page.setdefault(int(c["page"]), []).append((i, c))
    crops = "".join(crop_html(pages[p], images.get(p), cs) for p, cs in sorted(by_page.items()) if p in pages)
    head = (
        f"{text(t['table_id'])} · {text(t['kind'])} · pages {t['page_start']}–{t['page_end']} · "
        f"{t['n_rows']} rows × {t['n_cols']} columns · ruling {text(t['ruling'])}"
    )
    note = f'<p class="note">{text(t["note"])}</p>' if t.get("note") else ""
    return (
        f'<section class="tview" id="{text(t["table_id"])}"><h2>{text(t.get("title") or "(no title)")}</h2>'
        f'<p class="meta">{head}</p>{note}<div class="split"><div class="grid">{html_table(cells)}</div>'
        f'<div class="crops">{crops}</div></div><p class="detail note"></p></section>'
    )


def render(out: Path, plan_id: str, images: dict[int, str], assets: str) -> str:
    tables = read_rows(out, "tables", plan_id)
    cells = read_rows(out, "table_cells", plan_id)
    pages = {int(p["page"]): p for p in read_rows(out, "pages", plan_id)}
    by_table: dict[str, list[Row]] = {}
    for c in cells:
        by_table.setdefault(c["table_id"], []).append(c)
    toc = " · ".join(str(link(f"#{t['table_id']}", f"{t['table_id']} {t.get('title') or ''}")) for t in tables)
    body = f"<h1>{text(plan_id)}: tables ({len(tables)})</h1><p>{toc}</p>"
    body += "".join(table_section(t, by_table.get(t["table_id"], []), pages, images) for t in tables)
    if not tables:
        body += str(Raw('<p class="note">No table was found in this plan.</p>'))
    return document(f"{plan_id}: tables", body, assets, scripts=["tables.js"], nav=plan_nav(plan_id))
