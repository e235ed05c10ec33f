"""Small HTML builders for the report: escaped text, links, tables, the page shell."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any
from urllib.parse import quote

Cell = Any  # a value, or Raw HTML


class Raw(str):
    """HTML that is inserted as it is (already escaped)."""


def text(value: Any) -> str:
    """A value as escaped HTML text: '' for None, numbers as printed by Python, Raw as it is."""
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return escape(f"{value:,.4g}" if abs(value) >= 1e4 else f"{value:g}")
    return escape(str(value))


def link(href: str, label: Any, **attrs: str) -> Raw:
    extra = "".join(f' {k.rstrip("_")}="{escape(v)}"' for k, v in attrs.items())
    return Raw(f'<a href="{escape(href)}"{extra}>{text(label)}</a>')


def url_part(name: str) -> str:
    """A folder or file name as it goes into an href (plan ids may hold spaces or #)."""
    return quote(name, safe="")


def page_link(page: Any, plan_prefix: str = "") -> Raw | str:
    if page is None:
        return ""
    return link(f"{plan_prefix}pages.html#p={int(page)}", f"p.{int(page)}")


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    cls: str = "",
    numeric: Sequence[bool] | None = None,
    attrs: str = "",
) -> Raw:
    """A table; `numeric` marks right-aligned columns (and numeric sorting in a sortable table)."""
    num = list(numeric) if numeric is not None else [False] * len(headers)
    head = "".join(f"<th{' class=num' if n else ''}>{text(h)}</th>" for h, n in zip(headers, num, strict=True))
    body = []
    for r in rows:
        cells = "".join(f"<td{' class=num' if n else ''}>{text(v)}</td>" for v, n in zip(r, num, strict=True))
        body.append(f"<tr>{cells}</tr>")
    cls_attr = f' class="{cls}"' if cls else ""
    return Raw(f"<table{cls_attr}{attrs}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def section(title: str, body: str, note: str = "", id_: str = "") -> Raw:
    anchor = f' id="{escape(id_)}"' if id_ else ""
    note_html = f'<p class="note">{text(note)}</p>' if note else ""
    return Raw(f"<section{anchor}><h2>{text(title)}</h2>{note_html}{body}</section>")


def script_data(name: str, data: Any) -> Raw:
    """`window.<name> = <data>` as an inline script (the report opens from disk: no fetch of JSON files)."""
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return Raw(f"<script>window.{name} = {blob};</script>")


def document(title: str, body: str, assets: str, scripts: Sequence[str] = (), nav: str = "") -> str:
    """A whole page: `assets` is the relative path to the report's assets folder."""
    tags = "".join(f'<script src="{assets}/{s}"></script>' for s in scripts)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-Hans"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(title)}</title>"
        f'<link rel="icon" href="data:,"><link rel="stylesheet" href="{assets}/report.css"></head>'
        f'<body><header class="top"><nav>{nav}</nav></header><main>{body}</main>{tags}</body></html>\n'
    )
