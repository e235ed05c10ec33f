"""OCR's cost: CPU seconds per page on one core, at the settings' resolution (`[ocr] dpi`).

    python -m pipeline.tools.ocr_bench raw/jindong-2021.pdf [--pages 12] [--dpi 150]

Renders and OCRs pages spread evenly over the PDF (body text, tables and boxes alike), after loading the models
once (not counted), and prints the CPU seconds per page for rendering and for OCR, with the wall time. The
models run on one thread, as in the worker processes of `--jobs`.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.pdf import ocr, ocr_read
from pipeline.settings import settings_for, use

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OcrCost:
    pages: int
    render_cpu: float  # CPU seconds per page
    ocr_cpu: float
    wall: float  # wall seconds per page, render and OCR
    chars: float  # characters read per page


def spread(count: int, n: int) -> list[int]:
    """n page numbers (1-based) spread evenly over a document of `count` pages."""
    n = max(1, min(n, count))
    return sorted({1 + round(i * (count - 1) / max(1, n - 1)) for i in range(n)})


def ocr_seconds_per_page(path: str | Path, pages: int = 12) -> OcrCost:
    """Render and OCR `pages` pages of a PDF here; the cost per page (the models' loading not counted)."""
    import pypdfium2 as pdfium

    cfg = settings_for("ocr")
    count = len(pdfium.PdfDocument(str(path)))
    numbers = spread(count, pages)
    ocr_read.engine()
    render = read = wall = 0.0
    chars = 0
    for n in numbers:
        w0, t0 = time.perf_counter(), time.process_time()
        img, width, height = ocr.render_page(path, n, cfg.dpi)
        t1 = time.process_time()
        page = ocr.ocr_page(img, n, width, height, cfg)
        t2 = time.process_time()
        render, read, wall = render + t1 - t0, read + t2 - t1, wall + time.perf_counter() - w0
        chars += len(page.chars)
    k = len(numbers)
    return OcrCost(k, round(render / k, 3), round(read / k, 3), round(wall / k, 3), round(chars / k, 1))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.tools.ocr_bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("pdf", type=Path)
    ap.add_argument("--pages", type=int, default=12, help="pages to OCR, spread over the PDF (default: 12)")
    ap.add_argument("--dpi", type=int, help="render at this resolution instead of [ocr] dpi")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.dpi:
        use({"ocr": {"dpi": args.dpi}})
    cost = ocr_seconds_per_page(args.pdf, args.pages)
    dpi = settings_for("ocr").dpi
    log.info(
        "OCR at %d dpi, one core, %d pages of %s: %.2f CPU s/page (render %.2f, OCR %.2f), %.2f s wall/page, "
        "%.0f characters/page",
        dpi,
        cost.pages,
        args.pdf.name,
        cost.render_cpu + cost.ocr_cpu,
        cost.render_cpu,
        cost.ocr_cpu,
        cost.wall,
        cost.chars,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
