"""In-memory records handed between stages (their on-disk forms are declared in schemas/)."""

from __future__ import annotations

from dataclasses import dataclass, field


class Centered:
    """Centre of anything with x0, top, x1, bottom."""

    __slots__ = ()

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


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


@dataclass(slots=True)
class ParsedPdf:
    path: str
    sha256: str
    page_count: int
    metadata: dict
    pages: list[PageData]


def bbox_of(items) -> tuple[float, float, float, float]:
    items = list(items)
    return (min(i.x0 for i in items), min(i.top for i in items), max(i.x1 for i in items), max(i.bottom for i in items))
