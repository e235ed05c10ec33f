"""PDFs for the OCR tests, made from the bundled plan: image-only versions (each page rendered with pypdfium2 and
put back into a PDF with no text layer, as a scanner makes them), optionally with pages turned a quarter turn or
slightly skewed, and a copy whose text layer is garbage (a font's ToUnicode map rewritten to private-use code
points). Built PDFs are kept in pytest's cache folder, keyed by what they are made of, so a rerun does not
render them again."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image


def render(src: Path, number: int, dpi: int) -> Image.Image:
    pdf = pdfium.PdfDocument(str(src))
    try:
        page = pdf[number - 1]
        img = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        page.close()
        return img
    finally:
        pdf.close()


def scanned(img: Image.Image, turn: int = 0, skew: float = 0.0) -> Image.Image:
    """A page image as a scanner might give it: turned `turn` quarter turns clockwise, skewed `skew` degrees
    counter-clockwise (white corners)."""
    if skew:
        img = img.rotate(skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if turn:
        img = img.rotate(-90 * turn, expand=True)
    return img


def image_only(
    src: Path,
    dst: Path,
    pages: Sequence[int] | None = None,
    dpi: int = 150,
    turns: dict[int, int] | None = None,
    skews: dict[int, float] | None = None,
) -> Path:
    """`dst`: the pages of `src` (all, or `pages`, 1-based) as images at `dpi`, one image a page, no text."""
    count = len(pdfium.PdfDocument(str(src)))
    numbers = list(pages) if pages is not None else list(range(1, count + 1))
    images = [scanned(render(src, n, dpi), (turns or {}).get(n, 0), (skews or {}).get(n, 0.0)) for n in numbers]
    dst.parent.mkdir(parents=True, exist_ok=True)
    # no title (the file's name) and no dates: the same pages make the same bytes, hence the same OCR cache
    undated = {"title": None, "creationDate": None, "modDate": None}
    images[0].save(dst, "PDF", save_all=True, append_images=images[1:], resolution=dpi, **undated)
    return dst


def garbled(src: Path, dst: Path) -> Path:
    """`dst`: `src` with every font's ToUnicode map sending its characters to private-use code points (U+E000..),
    as broken exports do: the glyphs print as before, the text layer reads as garbage."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    done: set[int] = set()
    for page in writer.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            tu = font.get("/ToUnicode")
            if tu is None or tu.idnum in done:
                continue
            done.add(tu.idnum)
            stream = tu.get_object()
            assert isinstance(stream, StreamObject)
            stream.set_data(private_use_cmap(stream.get_data()))
            font[NameObject("/ToUnicode")] = tu
    assert done, "no ToUnicode map to rewrite"
    buf = io.BytesIO()
    writer.write(buf)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(buf.getvalue())
    return dst


HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def private_use_cmap(data: bytes) -> bytes:
    """A ToUnicode CMap with every destination code point moved to the private-use area (its source codes kept):
    in `bfchar` and `bfrange` blocks, each destination `<XXXX>` after a source becomes U+E000 + (XXXX % 0x1900)."""
    out = []
    mapping = False
    for line in data.split(b"\n"):
        word = line.strip()
        if word.endswith((b"beginbfchar", b"beginbfrange")):
            mapping = True
        elif word.endswith((b"endbfchar", b"endbfrange")):
            mapping = False
        codes = HEX.findall(line)
        if mapping and len(codes) >= 2:
            dest = codes[-1]
            new = b"%04X" % (0xE000 + int(dest[:4], 16) % 0x1900)
            head, _, _ = line.rpartition(b"<" + dest + b">")
            line = head + b"<" + new + b">"
        out.append(line)
    return b"\n".join(out)


def cached(folder: Path, name: str, key: object) -> Path:
    """Where a built PDF is kept: its name and a digest of what it is made of."""
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:12]
    return folder / f"{name}-{digest}.pdf"
