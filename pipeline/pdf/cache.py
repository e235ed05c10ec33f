"""The ingest cache: parsed pages stored by the PDF's SHA-256, so a renamed, copied or unchanged PDF is not parsed
again.

`<out>/.cache/ingest/<sha256>.<key>/` (the key: the ingest stage's fingerprint) holds the cleaned characters, rulings,
shading and links (schemas `_ingest_*`), written atomically; a change to the ingest code
changes the folder name, so stale parses are never read.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.core.procs import alive
from pipeline.pdf.model import Char, Fill, Link, PageData, ParsedPdf, Seg
from pipeline.storage.schema import check_table, columns_to_table


def cache_dir(out: Path, sha: str, key: str) -> Path:
    return Path(out) / ".cache" / "ingest" / f"{sha}.{key[:16]}"


def store(out: Path, doc: ParsedPdf, key: str) -> None:
    target = cache_dir(out, doc.sha256, key)
    if target.exists():
        return
    tmp = target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        for name, table in to_tables(doc).items():
            pq.write_table(table, tmp / f"{name}.parquet")
        (tmp / "meta.json").write_text(
            json.dumps({"page_count": doc.page_count, "metadata": doc.metadata}, ensure_ascii=False)
        )
        os.replace(tmp, target)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def clean_orphans(out: Path) -> None:
    """Remove the temporary folders that killed writers left (called by a run holding the output folder)."""
    folder = Path(out) / ".cache" / "ingest"
    for tmp in folder.glob(".*") if folder.exists() else []:
        pid = tmp.name.split(".")[-2]
        if not (pid.isdigit() and alive(int(pid))):
            shutil.rmtree(tmp, ignore_errors=True)


def load_meta(out: Path, sha: str, key: str) -> dict[str, Any] | None:
    p = cache_dir(out, sha, key) / "meta.json"
    if not p.exists():
        return None
    meta: dict[str, Any] = json.loads(p.read_text())
    return meta


def load(out: Path, sha: str, path: str, key: str) -> ParsedPdf | None:
    d = cache_dir(out, sha, key)
    if not (d / "meta.json").exists():
        return None
    meta = json.loads((d / "meta.json").read_text())
    tables: dict[str, dict[str, list[Any]]] = {}
    for name in ("_ingest_pages", "_ingest_chars", "_ingest_graphics", "_ingest_links"):
        t = pq.read_table(d / f"{name}.parquet")
        check_table(name, t)
        tables[name] = t.to_pydict()
    return from_tables(tables, path, sha, meta)


def to_tables(doc: ParsedPdf) -> dict[str, Any]:
    pages = doc.pages
    chars = [(pg.number, ch) for pg in pages for ch in pg.chars]
    segs = [(pg.number, s) for pg in pages for s in pg.segs]
    fills = [(pg.number, f) for pg in pages for f in pg.fills]
    links = [(pg.number, lk) for pg in pages for lk in pg.links]
    char_cols: dict[str, list[Any]] = {"page": [n for n, _ in chars]}
    for k in ("text", "font", "size", "x0", "top", "x1", "bottom", "bold", "upright", "conf"):
        char_cols[k] = [getattr(ch, k) for _, ch in chars]
    graphics: dict[str, list[Any]] = {
        "page": [n for n, _ in segs] + [n for n, _ in fills],
        "kind": [s.orient for _, s in segs] + ["fill"] * len(fills),
        "color": [None] * len(segs) + [f.color for _, f in fills],
    }
    for k in ("x0", "top", "x1", "bottom"):
        graphics[k] = [getattr(s, k) for _, s in segs] + [getattr(f, k) for _, f in fills]
    link_cols: dict[str, list[Any]] = {"page": [n for n, _ in links], "uri": [lk.uri for _, lk in links]}
    for k in ("x0", "top", "x1", "bottom"):
        link_cols[k] = [getattr(lk, k) for _, lk in links]
    page_cols: dict[str, list[Any]] = {
        "page": [p.number for p in pages],
        "width": [p.width for p in pages],
        "height": [p.height for p in pages],
        "images": [p.images for p in pages],
        "text_source": [p.text_source for p in pages],
        "text_quality": [p.text_quality for p in pages],
    }
    return {
        "_ingest_pages": columns_to_table("_ingest_pages", page_cols),
        "_ingest_chars": columns_to_table("_ingest_chars", char_cols),
        "_ingest_graphics": columns_to_table("_ingest_graphics", graphics),
        "_ingest_links": columns_to_table("_ingest_links", link_cols),
    }


def from_tables(t: dict[str, dict[str, list[Any]]], path: str, sha: str, meta: dict[str, Any]) -> ParsedPdf:
    pages: dict[int, PageData] = {}
    p = t["_ingest_pages"]
    for i in range(len(p["page"])):
        pages[p["page"][i]] = PageData(
            number=p["page"][i],
            width=p["width"][i],
            height=p["height"][i],
            images=p["images"][i],
            text_source=p["text_source"][i],
            text_quality=p["text_quality"][i],
        )
    c = t["_ingest_chars"]
    for pg, text, font, size, x0, top, x1, bottom, bold, upright, conf in zip(
        c["page"],
        c["text"],
        c["font"],
        c["size"],
        c["x0"],
        c["top"],
        c["x1"],
        c["bottom"],
        c["bold"],
        c["upright"],
        c["conf"],
        strict=True,
    ):
        pages[pg].chars.append(Char(text, font, size, x0, top, x1, bottom, bold, upright, conf))
    g = t["_ingest_graphics"]
    for pg, kind, x0, top, x1, bottom, color in zip(
        g["page"], g["kind"], g["x0"], g["top"], g["x1"], g["bottom"], g["color"], strict=True
    ):
        if kind == "fill":
            pages[pg].fills.append(Fill(x0, top, x1, bottom, color))
        else:
            pages[pg].segs.append(Seg(kind, x0, top, x1, bottom))
    lk = t["_ingest_links"]
    for pg, uri, x0, top, x1, bottom in zip(
        lk["page"], lk["uri"], lk["x0"], lk["top"], lk["x1"], lk["bottom"], strict=True
    ):
        pages[pg].links.append(Link(uri, x0, top, x1, bottom))
    return ParsedPdf(
        path=path,
        sha256=sha,
        page_count=meta["page_count"],
        metadata=meta["metadata"],
        pages=[pages[k] for k in sorted(pages)],
    )
