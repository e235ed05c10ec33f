"""Page images for the report: each page rendered with pypdfium2 and saved as WebP, once per PDF.

A plan's images are kept with a key (the PDF's SHA-256 and the rendering settings); a report run
renders them again only when the key changed or an image is missing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

SCALE = 1.5  # pixels per PDF point: 108 dpi, an A4 page 893 x 1263 pixels
WEBP_QUALITY = 60  # about 80 KB for a page of text
KEY_FILE = ".key"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find_pdf(source_file: str, sha256: str, folders: Iterable[Path]) -> Path | None:
    """The plan's PDF: `source_file` (a path, or a name looked up in `folders`) whose bytes hash to `sha256`."""
    candidates = [Path(source_file)] + [Path(d) / Path(source_file).name for d in folders]
    for c in candidates:
        if c.is_file() and file_sha256(c) == sha256:
            return c
    return None


def image_name(page: int) -> str:
    return f"p{page:03d}.webp"


def render_key(sha256: str) -> str:
    return f"{sha256} scale={SCALE} webp={WEBP_QUALITY}"


def up_to_date(folder: Path, key: str, pages: Iterable[int]) -> bool:
    stamp = folder / KEY_FILE
    if not stamp.is_file() or stamp.read_text() != key:
        return False
    return all((folder / image_name(p)).is_file() for p in pages)


def render_pages(pdf: Path, folder: Path, key: str, pages: list[int] | None = None) -> dict[int, str]:
    """Render the pages (1-based; all when None) of `pdf` into `folder` as WebP; page -> file name."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        wanted = pages if pages is not None else list(range(1, len(doc) + 1))
        if up_to_date(folder, key, wanted):
            return {p: image_name(p) for p in wanted}
        folder.mkdir(parents=True, exist_ok=True)
        (folder / KEY_FILE).unlink(missing_ok=True)
        for p in wanted:
            bitmap = doc[p - 1].render(scale=SCALE)
            bitmap.to_pil().save(folder / image_name(p), "WEBP", quality=WEBP_QUALITY, method=4)
        (folder / KEY_FILE).write_text(key)
        log.info("%s: %d page images rendered", pdf.name, len(wanted))
        return {p: image_name(p) for p in wanted}
    finally:
        doc.close()
