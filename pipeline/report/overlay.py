"""The page view's data: each dataset with a bounding box is a layer of outlines drawn over the page images.

A row's box is on the page its dataset names (`page`, or `page_start` for rows that may run over several
pages: headings, paragraphs, sidebars, tables). Rows travel as arrays in column order, boxes per page as
[layer, row, x0, top, x1, bottom] in PDF points (top-left origin), the page's size beside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.report.data import Row, read_rows


@dataclass(frozen=True)
class Layer:
    dataset: str
    label: str
    colour: str
    on: bool  # drawn when the view opens
    page_column: str  # the page the row's bbox is on
    summary: tuple[str, ...]  # the columns that make its one-line description


LAYERS: tuple[Layer, ...] = (
    Layer("outline", "headings", "#d62728", True, "page_start", ("level", "label", "title")),
    Layer("paragraphs", "paragraphs", "#1f77b4", True, "page_start", ("para_no", "text")),
    Layer("sidebars", "sidebars", "#2ca02c", True, "page_start", ("sidebar_label", "title")),
    Layer("sidebar_items", "sidebar items", "#17becf", True, "page", ("item_label", "heading", "text")),
    Layer("tables", "tables", "#ff7f0e", True, "page_start", ("table_id", "kind", "title")),
    Layer("table_cells", "table cells", "#9467bd", True, "page", ("column", "text")),
    Layer("links", "links", "#7f7f7f", True, "page", ("uri",)),
    Layer("indicator_tables", "indicator tables", "#8c564b", False, "page_start", ("table_id", "kind", "title")),
    Layer("indicator_cells", "indicator cells", "#e377c2", False, "page", ("name", "column", "raw_text")),
    Layer("indicator_values", "indicator values", "#bcbd22", False, "page", ("indicator", "column", "raw_text")),
)

SUMMARY_CHARS = 80


def json_safe(value: Any) -> Any:
    """NaN and infinities as null (JSON has none), lists element by element."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def summary(layer: Layer, row: Row) -> str:
    text = " ".join(str(row[c]) for c in layer.summary if row.get(c) not in (None, ""))
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def layer_boxes(index: int, layer: Layer, rows: list[Row]) -> dict[int, list[list[Any]]]:
    """page -> [layer index, row index, x0, top, x1, bottom] for every row of a layer with a box."""
    by_page: dict[int, list[list[Any]]] = {}
    for i, row in enumerate(rows):
        bbox, page = row.get("bbox"), row.get(layer.page_column)
        if bbox is None or page is None:
            continue
        by_page.setdefault(int(page), []).append([index, i, *(round(float(v), 1) for v in bbox)])
    return by_page


def page_entries(pages: list[Row], images: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "page": p["page"],
            "w": p["width"],
            "h": p["height"],
            "kind": p.get("kind"),
            "printed": p.get("printed_page_label"),
            "img": images.get(p["page"]),
        }
        for p in pages
    ]


def plan_overlay(out: Path, plan_id: str, images: dict[int, str]) -> dict[str, Any]:
    """Everything the page view of a plan draws: pages, layers, rows and boxes."""
    layers: list[dict[str, Any]] = []
    rows: dict[str, list[list[Any]]] = {}
    boxes: dict[int, list[list[Any]]] = {}
    for index, layer in enumerate(LAYERS):
        data = read_rows(out, layer.dataset, plan_id)
        columns = list(data[0]) if data else []
        layers.append({"name": layer.dataset, "label": layer.label, "colour": layer.colour, "on": layer.on})
        layers[-1].update(columns=columns, summaries=[summary(layer, r) for r in data])
        rows[layer.dataset] = [[json_safe(r[c]) for c in columns] for r in data]
        for page, found in layer_boxes(index, layer, data).items():
            boxes.setdefault(page, []).extend(found)
    pages = page_entries(read_rows(out, "pages", plan_id), images)
    return {"plan": plan_id, "pages": pages, "layers": layers, "rows": rows, "boxes": boxes}
