"""In-memory records handed between stages (their on-disk forms are declared in schemas/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.core.geometry import Centered


@dataclass(slots=True)
class Char(Centered):
    text: str
    font: str
    size: float
    x0: float
    top: float
    x1: float
    bottom: float
    bold: bool
    upright: bool = True
    conf: float | None = None  # OCR's recognition confidence (0..1); None for a character of the text layer


@dataclass(slots=True)
class Seg:
    """A ruling: horizontal (`h`) or vertical (`v`) segment from a line, a thin rectangle or a box edge."""

    orient: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class Fill:
    """A filled, non-white rectangle (shading)."""

    x0: float
    top: float
    x1: float
    bottom: float
    color: str


@dataclass(slots=True)
class Link:
    uri: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class PageData:
    number: int
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    segs: list[Seg] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    images: int = 0
    text_source: str = "pdf"  # `pdf`: the text layer; `ocr`: read from the page's image (pipeline/pdf/ocr.py)
    text_quality: float | None = None  # share of the text layer's characters that are plausible; None: none


@dataclass(slots=True)
class ParsedPdf:
    path: str
    sha256: str
    page_count: int
    metadata: dict[str, Any]
    pages: list[PageData]
