#!/usr/bin/env python3
"""Render the layout-variant corpus: one small plan-like PDF and its expected-content JSON per variant.

usage: generate.py [--out tests/corpus/variants] [--only NAME ...] [--producer libreoffice|chromium|reportlab]
                   [--keep-source]

LibreOffice (`soffice`) and Chromium come from Debian (tests/corpus/install.sh); reportlab from the venv.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from model import Heading, Toc, expected  # noqa: E402
from variants import REGISTRY  # noqa: E402

BACKENDS = {"libreoffice": "backend_libreoffice", "chromium": "backend_chromium", "reportlab": "backend_reportlab"}


def render(v, out: str, keep_source: bool) -> dict:
    backend = importlib.import_module(BACKENDS[v.producer])
    doc = v.build(v)
    pdf = os.path.join(out, v.name + ".pdf")
    src = os.path.join(out, v.name + ".src") if keep_source else None
    pages, count = backend.render(doc, pdf, src)
    toc = [b for b in doc.blocks if isinstance(b, Toc)]
    if toc:      # a table of contents needs the pages the first pass gave its headings
        heads = [b for b in doc.blocks if isinstance(b, Heading)]
        offset = doc.opts.get("toc_offset", 0)
        toc[0].entries = [(h.label, h.title, pages[id(h)][0] - offset) for h in heads]
        pages, count = backend.render(doc, pdf, src)
    exp = expected(doc, pages, count)
    with open(os.path.join(out, v.name + ".json"), "w", encoding="utf-8") as f:
        json.dump(exp, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return exp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "variants"))
    ap.add_argument("--only", nargs="+", metavar="NAME")
    ap.add_argument("--producer", choices=sorted(BACKENDS))
    ap.add_argument("--keep-source", action="store_true", help="also write the .fodt/.html source beside the PDF")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    chosen = [v for v in REGISTRY if (not args.only or v.name in args.only)
              and (not args.producer or v.producer == args.producer)]
    if args.only and len(chosen) < len(args.only):
        known = {v.name for v in REGISTRY}
        print("unknown variant(s):", ", ".join(n for n in args.only if n not in known), file=sys.stderr)
        return 2
    for v in chosen:
        exp = render(v, args.out, args.keep_source)
        size = os.path.getsize(os.path.join(args.out, v.name + ".pdf"))
        print(f"{v.name:32s} {v.producer:12s} {exp['page_count']} p {size // 1024:4d} KB  "
              f"{len(exp['tables'])} tables {len(exp['sidebars'])} sidebars {len(exp['outline'])} headings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
