"""Chromium backend: the Doc as HTML + CSS, printed to PDF by headless Chromium (no network)."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from html import escape

import grid
from model import Doc, Heading, Item, PageBreak, Para, Sidebar, Table, Title, locate, stabilize

# TrueType faces (Skia subsets them as CID fonts); Noto CJK is CFF, which Skia embeds as Type 3 glyph
# procedures: large files, used by the variants that ask for it (opts["noto"]).
FONTS = {False: ('"AR PL UMing CN", serif', '"WenQuanYi Zen Hei", sans-serif'),
         True: ('"Noto Serif CJK SC", serif', '"Noto Sans CJK SC", sans-serif')}


def css(doc: Doc) -> str:
    s = doc.body_size
    SERIF, SANS = FONTS[bool(doc.opts.get("noto"))]
    KAI = '"AR PL UKai CN", serif' if not doc.opts.get("noto") else SERIF
    margin_boxes = ""
    if doc.header_text:
        margin_boxes += (f'@top-center {{ content: "{doc.header_text}"; font: 10.5pt {SERIF}; '
                         f'border-bottom: 0.5pt solid #000; vertical-align: bottom; padding-bottom: 2pt; }}')
    if doc.page_number:
        a, _, b = doc.page_number.partition("{n}")
        margin_boxes += f'@bottom-center {{ content: "{a}" counter(page) "{b}"; font: 12pt {SERIF}; }}'
    return f"""
@page {{ size: A4 {"landscape" if doc.landscape else "portrait"}; margin: 22mm 26mm 20mm 26mm; {margin_boxes} }}
body {{ font-family: {SERIF}; font-size: {s}pt; line-height: 1.75; margin: 0; }}
p {{ margin: 0; text-align: justify; }}
p.body {{ text-indent: 2em; }}
h1 {{ font: bold 22pt/1.5 {SANS}; text-align: center; margin: 40pt 0 24pt; }}
.part {{ font: bold 20pt/1.5 {SANS}; text-align: center; margin: 18pt 0 12pt; }}
.chapter {{ font: bold 17pt/1.5 {SANS}; text-align: center; margin: 14pt 0 8pt; }}
.section {{ font: {s}pt/1.75 {KAI}; text-indent: 2em; margin: 6pt 0 2pt; }}
.subsection {{ font: {s}pt/1.75 {SERIF}; text-indent: 2em; margin: 0; }}
.appendix {{ font: bold 16pt/1.5 {SANS}; margin: 14pt 0 8pt; }}
.caption {{ font: bold 12pt/1.5 {SANS}; text-align: center; margin: 8pt 0 3pt; white-space: pre; }}
.note {{ font-size: 10.5pt; line-height: 1.5; margin-top: 3pt; }}
table {{ border-collapse: collapse; margin: 0 auto 6pt; font-size: 10.5pt; line-height: 1.35; }}
td, th {{ padding: 2pt 3pt; vertical-align: middle; font-weight: normal; }}
th {{ font-family: {SANS}; font-weight: bold; }}
tr {{ break-inside: avoid; }}
.sidebar {{ margin: 8pt 0; padding: 6pt 10pt; font-size: 12pt; line-height: 1.6; break-inside: auto; }}
.sidebar p {{ text-indent: 2em; }}
.sidebar .stitle {{ font: bold 13pt/1.6 {SANS}; text-align: center; text-indent: 0; margin-bottom: 4pt; }}
.sidebar.border {{ border: 0.75pt solid #000; }}
.sidebar.rules {{ border-top: 1pt solid #000; border-bottom: 1pt solid #000; padding: 4pt 0; }}
.rules-title {{ font: bold 13pt/1.6 {SANS}; text-align: center; margin-top: 8pt; }}
.pagebreak {{ break-after: page; }}
"""


def border(w: float) -> str:
    return f"{w}pt solid #000" if w else "none"


def table_html(t: Table) -> str:
    widths = t.widths or [1] * len(t.header)
    total = sum(widths)
    cols = "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in widths)
    cells = grid.layout(t)
    depth = grid.header_depth(t)
    rows: dict[int, list[str]] = {}
    for x in cells:
        style = (f"border-top:{border(x.top)};border-bottom:{border(x.bottom)};border-left:{border(x.left)};"
                 f"border-right:{border(x.right)};text-align:{x.align};")
        if x.fill:
            style += f"background:{x.fill};"
        tag = "th" if x.header else "td"
        span = (f' rowspan="{x.rs}"' if x.rs > 1 else "") + (f' colspan="{x.cs}"' if x.cs > 1 else "")
        rows.setdefault(x.r, []).append(f'<{tag}{span} style="{style}">{escape(x.text)}</{tag}>')
    trs = [f"<tr>{''.join(rows.get(r, []))}</tr>" for r in range(depth + len(t.rows))]
    head = f"<thead>{''.join(trs[:depth])}</thead>" if t.repeat_header else "".join(trs[:depth])
    out = [f'<p class="caption">{escape(t.label)}</p>'] if t.label else []
    out.append(f'<table style="width:{100 * t.total_width:.1f}%"><colgroup>{cols}</colgroup>{head}'
               f'<tbody>{"".join(trs[depth:])}</tbody></table>')
    out += [f'<p class="note">{escape(n)}</p>' for n in (t.note, t.source) if n]
    return "".join(out)


def sidebar_html(s: Sidebar) -> str:
    inner = []
    for b in s.body:
        if isinstance(b, Table):
            inner.append(table_html(b))
        else:
            inner.append(f"<p>{escape(b.joined if isinstance(b, Item) else b.text)}</p>")
    fill = f' style="background:{s.fill}"' if s.fill else ""
    if s.style == "rules" or s.frame == "rules":
        return (f'<p class="rules-title">{escape(s.heading)}</p>'
                f'<div class="sidebar rules"{fill}>{"".join(inner)}</div>')
    cls = "border" if "border" in s.frame else ""
    return f'<div class="sidebar {cls}"{fill}><p class="stitle">{escape(s.heading)}</p>{"".join(inner)}</div>'


def html(doc: Doc) -> str:
    parts = []
    for b in doc.blocks:
        if isinstance(b, Title):
            parts.append(f"<h1>{escape(b.text)}</h1>")
        elif isinstance(b, Heading):
            sep = "　" if b.title and b.level in ("part", "chapter", "section", "appendix") \
                and not b.label.endswith("、") else ""
            parts.append(f'<p class="{b.level}">{escape(b.display or b.label + sep + b.title)}</p>')
        elif isinstance(b, Para):
            parts.append(f'<p class="{"body" if b.indent else ""}">{escape(b.display or b.text)}</p>')
        elif isinstance(b, Table):
            parts.append(table_html(b))
        elif isinstance(b, Sidebar):
            parts.append(sidebar_html(b))
        elif isinstance(b, PageBreak):
            parts.append('<div class="pagebreak"></div>')
    title = "" if doc.opts.get("empty_title") else escape(doc.title or "")
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
            f'<style>{css(doc)}</style></head><body>{"".join(parts)}</body></html>')


def print_pdf(src: str, pdf: str) -> None:
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer", "--generate-pdf-document-outline=false",
                        f"--print-to-pdf={pdf}", "file://" + src],
                       check=True, capture_output=True, timeout=180, env={**os.environ, "TZ": "UTC"})
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def render(doc: Doc, pdf_path: str, keep_source: str | None = None) -> tuple[dict, int]:
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, doc.name + ".html")
        with open(src, "w", encoding="utf-8") as f:
            f.write(html(doc))
        if keep_source:
            shutil.copy(src, keep_source)
        print_pdf(src, os.path.abspath(pdf_path))
    stabilize(pdf_path)
    return locate(pdf_path, doc)
