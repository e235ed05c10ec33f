"""Geometry shared by the stages: centres and bounding boxes, clustering positions, grouping into printed lines,
cutting a line at gaps, and a union-find for connected pieces. Positions are in points, top-left origin."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from pdfplumber.utils.clustering import cluster_list
from pdfplumber.utils.geometry import merge_bboxes

from pipeline.core.text import Glyph

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom


class Boxed(Protocol):
    """Anything with a box."""

    x0: float
    top: float
    x1: float
    bottom: float


class SizedBox(Boxed, Protocol):
    """A box of text with a font size (a character, a cell fragment)."""

    size: float


class Centered:
    """Centre of anything with x0, top, x1, bottom (a mixin for slotted dataclasses)."""

    __slots__ = ()
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


def bbox_of(items: Iterable[Boxed]) -> BBox:
    """The smallest box holding all the items."""
    x0, top, x1, bottom = merge_bboxes((i.x0, i.top, i.x1, i.bottom) for i in items)
    return x0, top, x1, bottom


def centre_in(item: Centered, box: Boxed, slack: float) -> bool:
    """The item's centre lies in the box, or within `slack` outside it."""
    return box.x0 - slack <= item.cx <= box.x1 + slack and box.top - slack <= item.cy <= box.bottom + slack


def cluster(values: Iterable[float], tol: float) -> list[list[float]]:
    """Sorted values grouped where neighbours are within `tol`."""
    groups: list[list[float]] = cluster_list(list(values), tol)
    return groups


def cluster_means(values: Iterable[float], tol: float) -> list[float]:
    """Positions within `tol` of each other -> their mean, in order."""
    return [sum(g) / len(g) for g in cluster(values, tol)]


G = TypeVar("G", bound=Glyph)


FIGURE = frozenset("0123456789.%‰-+－＋—–~～()（）[]［］,，")


def split_on_gaps(chars: Iterable[G], factor: float, figure_factor: float | None = None) -> list[list[G]]:
    """A line's characters (spaces dropped) cut where the gap exceeds `factor` x the font size; next to a figure
    (a digit or its sign), where it exceeds `figure_factor` x the size when one is given (a number has no gaps
    inside, so a narrower gap already parts a number from the column beside it)."""
    out: list[list[G]] = []
    for c in sorted(chars, key=lambda c: c.x0):
        if c.text.isspace():
            continue
        limit = factor
        if figure_factor is not None and out and (c.text in FIGURE or out[-1][-1].text in FIGURE):
            limit = figure_factor
        if out and c.x0 - out[-1][-1].x1 <= limit * max(c.size, 1):
            out[-1].append(c)
        else:
            out.append([c])
    return out


@dataclass(slots=True)
class Band:
    """The vertical extent of a printed line being gathered, and its largest font size."""

    top: float
    bottom: float
    size: float

    def take(self, item: SizedBox) -> None:
        if item.top < self.top:
            self.top = item.top
        if item.bottom > self.bottom:
            self.bottom = item.bottom
        if item.size > self.size:
            self.size = item.size


T = TypeVar("T", bound=SizedBox)


def group_lines(items: Iterable[T], joins: Callable[[Band, T], bool], lookback: int) -> list[list[T]]:
    """Items grouped into printed lines, taken top to bottom (by centre), then left to right.

    An item joins the newest of the last `lookback` lines that `joins` accepts it in; an item wholly below
    the newest line starts a line of its own. Each line keeps its items in the order taken."""
    groups: list[list[T]] = []
    bands: list[Band] = []
    for it in sorted(items, key=lambda o: (o.top + o.bottom, o.x0)):
        k = _line_for(it, bands, joins, lookback)
        if k is None:
            groups.append([it])
            bands.append(Band(it.top, it.bottom, it.size))
        else:
            groups[k].append(it)
            bands[k].take(it)
    return groups


def _line_for(item: T, bands: Sequence[Band], joins: Callable[[Band, T], bool], lookback: int) -> int | None:
    newest = len(bands) - 1
    for k in range(newest, max(-1, newest - lookback), -1):
        if joins(bands[k], item):
            return k
        if k == newest and item.top > bands[k].bottom:
            return None  # below the newest line: it cannot join an earlier one
    return None


class UnionFind:
    """Disjoint sets of the indexes 0..n-1."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, keep: int, other: int) -> int:
        """Join the sets of `keep` and `other`; the root of `keep`'s set stays the root. Returns it."""
        root = self.find(keep)
        self.parent[self.find(other)] = root
        return root

    def groups(self) -> list[list[int]]:
        """The sets, each in index order, in the order of their first index."""
        out: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            out.setdefault(self.find(i), []).append(i)
        return list(out.values())
