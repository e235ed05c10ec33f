"""Stage 6, changes: a revision against the plan it revises -> `indicator_changes`, `section_changes`.

Indicator rows are matched by table (title, else kind and order), category and name, all
compared after NFKC and whitespace removal, never by 序号 or row number: a row inserted in
the middle renumbers those after it without changing them. Paragraphs are aligned in
order within each section (difflib), sidebars matched by their label.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline.core.text import norm as norm  # re-exported: pipeline/tools/compare_tables.py imports it from here

Row = dict[str, Any]
Section = tuple[Any, Any]  # (chapter_no, section_no)
Cols = dict[str, Row]  # a table row: normalised column -> its cell


def match_tables(old: list[Row], new: list[Row]) -> dict[str, str]:
    """new table_id -> old table_id."""
    out = {}
    used = set()
    for t in new:
        same = [o for o in old if norm(o["title"]) == norm(t["title"]) and o["table_id"] not in used]
        if not same:
            same = [o for o in old if o["kind"] == t["kind"] and o["table_id"] not in used]
        if same:
            out[t["table_id"]] = same[0]["table_id"]
            used.add(same[0]["table_id"])
    return out


def row_key(cell: Row) -> tuple[str, str]:
    return norm(cell["category"]), norm(cell["name"])


def rows_of(cells: list[Row], table_id: str) -> dict[tuple[str, str, int], Cols]:
    """(category, name, occurrence) -> {column -> cell}, in row order."""
    rows: dict[tuple[str, str, int], Cols] = {}
    seen: dict[tuple[str, str], int] = defaultdict(int)
    by_row: dict[int, list[Row]] = defaultdict(list)
    for c in cells:
        if c["table_id"] == table_id:
            by_row[c["row_no"]].append(c)
    for row_no in sorted(by_row):
        first = by_row[row_no][0]
        k = row_key(first)
        rows[(*k, seen[k])] = {norm(c["column"]): c for c in by_row[row_no]}
        seen[k] += 1
    return rows


@dataclass(frozen=True)
class ChangeRows:
    """Makes `indicator_changes` rows for one revision: the plan it revises and both plans' parsed values."""

    base_id: str
    value_of: Mapping[tuple[str, str, int, str], Any]  # (old/new, table_id, row_no, column) -> value

    def row(self, change: str, tid: str, base_tid: str | None, col: str, old: Row | None, new: Row | None) -> Row:
        ref = new or old
        assert ref is not None
        return {
            "revision_of": self.base_id,
            "table_id": tid,
            "base_table_id": base_tid,
            "category": ref["category"],
            "indicator": ref["name"],
            "column": ref["column"],
            "change": change,
            "old_raw_text": old["raw_text"] if old else None,
            "new_raw_text": new["raw_text"] if new else None,
            "old_value": self.value_of.get(("old", old["table_id"], old["row_no"], col)) if old else None,
            "new_value": self.value_of.get(("new", new["table_id"], new["row_no"], col)) if new else None,
            "old_seq": old["seq"] if old else None,
            "new_seq": new["seq"] if new else None,
            "old_row_no": old["row_no"] if old else None,
            "new_row_no": new["row_no"] if new else None,
            "page": ref["page"],
        }

    def removed(self, tid: str, base_tid: str | None, cols: Cols) -> list[Row]:
        return [self.row("removed", tid, base_tid, col, prev, None) for col, prev in cols.items()]

    def row_changes(self, tid: str, base_tid: str | None, old_cols: Cols, cols: Cols) -> list[Row]:
        """Cells of one row added, changed or removed."""
        out = []
        for col, cell in cols.items():
            prev = old_cols.get(col)
            if prev is None:
                out.append(self.row("added", tid, base_tid, col, None, cell))
            elif norm(prev["raw_text"]) != norm(cell["raw_text"]):
                out.append(self.row("changed", tid, base_tid, col, prev, cell))
        out += self.removed(tid, base_tid, {col: prev for col, prev in old_cols.items() if col not in cols})
        return out

    def table_changes(self, tid: str, base_tid: str | None, old_cells: list[Row], new_cells: list[Row]) -> list[Row]:
        """Rows of one table added, changed or removed against the table it revises."""
        new_rows = rows_of(new_cells, tid)
        old_rows = rows_of(old_cells, base_tid) if base_tid else {}
        out = []
        for k, cols in new_rows.items():
            out += self.row_changes(tid, base_tid, old_rows.get(k) or {}, cols)
        for k, old_cols in old_rows.items():
            if k not in new_rows:
                out += self.removed(tid, base_tid, old_cols)
        return out


def indicator_changes(
    old_tables: list[Row],
    old_cells: list[Row],
    old_values: list[Row],
    new_tables: list[Row],
    new_cells: list[Row],
    new_values: list[Row],
    base_id: str,
) -> list[Row]:
    value_of = {}
    for tag, values in (("old", old_values), ("new", new_values)):
        for v in values:
            value_of[(tag, v["table_id"], v["row_no"], norm(v["column"]))] = v["value"]
    rows = ChangeRows(base_id, value_of)
    pairs = match_tables(old_tables, new_tables)
    out = []
    for t in new_tables:
        out += rows.table_changes(t["table_id"], pairs.get(t["table_id"]), old_cells, new_cells)
    for o in old_tables:
        if o["table_id"] not in pairs.values():
            for cols in rows_of(old_cells, o["table_id"]).values():
                out += rows.removed(o["table_id"], o["table_id"], cols)
    return out


COUNTS = (
    "paragraphs_added",
    "paragraphs_removed",
    "paragraphs_changed",
    "sidebars_added",
    "sidebars_removed",
    "sidebars_changed",
)


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(COUNTS, 0)


def section_titles(outline: list[Row]) -> dict[Section, str]:
    """(chapter, section) -> title, of the chapter and section headings (parts, subsections and appendices
    are not sections of their own here)."""
    return {(o["chapter_no"], o["section_no"]): o["title"] for o in outline if o["level"] in ("chapter", "section")}


def section_map(old_titles: dict[Section, str], new_titles: dict[Section, str]) -> dict[Section, Section]:
    """Old sections onto new ones by chapter number and title, falling back to the numbers."""
    by_title = {(k[0], norm(t)): k for k, t in old_titles.items()}
    old_to_new = {}
    for k, t in new_titles.items():
        if (k[0], norm(t)) in by_title:
            old_to_new[by_title[(k[0], norm(t))]] = k
    for k in old_titles:
        if k not in old_to_new and k in new_titles and k not in old_to_new.values():
            old_to_new[k] = k
    return old_to_new


def grouped(paras: list[Row], remap: Mapping[Section, Section] | None = None) -> dict[Section, list[str]]:
    """Paragraph texts (normalised) by section, renumbered through `remap`."""
    g: dict[Section, list[str]] = defaultdict(list)
    for p in paras:
        k = (p["chapter_no"], p["section_no"])
        g[remap.get(k, k) if remap else k].append(norm(p["text"]))
    return g


def paragraph_counts(counts: dict[str, int], old: list[str], new: list[str]) -> None:
    """Count paragraphs added, removed and changed between two sections, aligned in order."""
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "replace":
            n = min(i2 - i1, j2 - j1)
            counts["paragraphs_changed"] += n
            counts["paragraphs_added"] += (j2 - j1) - n
            counts["paragraphs_removed"] += (i2 - i1) - n
        elif op == "insert":
            counts["paragraphs_added"] += j2 - j1
        elif op == "delete":
            counts["paragraphs_removed"] += i2 - i1


def sidebar_label(s: Row) -> str:
    return norm(s["sidebar_label"]) or norm(s["title"])


def sidebar_counts(
    counts: dict[Section, dict[str, int]],
    old_sidebars: list[Row],
    new_sidebars: list[Row],
    old_to_new: Mapping[Section, Section],
) -> None:
    """Count sidebars added, removed and changed (matched by label) into their sections."""
    old_sb = {sidebar_label(s): s for s in old_sidebars}
    new_sb = {sidebar_label(s): s for s in new_sidebars}
    for lab, s in new_sb.items():
        c = counts.setdefault((s["chapter_no"], s["section_no"]), zero_counts())
        if lab not in old_sb:
            c["sidebars_added"] += 1
        elif norm(old_sb[lab]["text"]) != norm(s["text"]) or norm(old_sb[lab]["title"]) != norm(s["title"]):
            c["sidebars_changed"] += 1
    for lab, s in old_sb.items():
        if lab not in new_sb:
            k = (s["chapter_no"], s["section_no"])
            counts.setdefault(old_to_new.get(k, k), zero_counts())["sidebars_removed"] += 1


def section_keys(
    old_titles: Iterable[Section],
    new_titles: Iterable[Section],
    old_to_new: Mapping[Section, Section],
    new_paras: list[Row],
) -> list[Section]:
    """Every section of either plan, new numbering, in the new plan's order."""
    keys = list(dict.fromkeys([*new_titles, *(old_to_new.get(k, k) for k in old_titles)]))
    keys += [k for k in dict.fromkeys((p["chapter_no"], p["section_no"]) for p in new_paras) if k not in keys]
    return keys


def section_changes(
    old_outline: list[Row],
    old_paras: list[Row],
    old_sidebars: list[Row],
    new_outline: list[Row],
    new_paras: list[Row],
    new_sidebars: list[Row],
    base_id: str,
) -> list[Row]:
    old_titles, new_titles = section_titles(old_outline), section_titles(new_outline)
    old_to_new = section_map(old_titles, new_titles)
    new_p, old_p = grouped(new_paras), grouped(old_paras, old_to_new)
    counts = {}
    for k in section_keys(old_titles, new_titles, old_to_new, new_paras):
        counts[k] = zero_counts()
        paragraph_counts(counts[k], old_p.get(k, []), new_p.get(k, []))
    sidebar_counts(counts, old_sidebars, new_sidebars, old_to_new)
    out = []
    for k, c in counts.items():
        title = new_titles.get(k) or old_titles.get(next((o for o, n in old_to_new.items() if n == k), k))
        out.append({"revision_of": base_id, "chapter_no": k[0], "section_no": k[1], "title": title, **c})
    return out


def run(base_id: str, old: dict[str, list[Row]], new: dict[str, list[Row]]) -> tuple[list[Row], list[Row]]:
    """`old`/`new`: datasets of the revised plan and of this one (indicator_tables, indicator_cells,
    indicator_values, outline, paragraphs, sidebars) as lists of rows."""
    ind = indicator_changes(
        old["indicator_tables"],
        old["indicator_cells"],
        old["indicator_values"],
        new["indicator_tables"],
        new["indicator_cells"],
        new["indicator_values"],
        base_id,
    )
    sec = section_changes(
        old["outline"], old["paragraphs"], old["sidebars"], new["outline"], new["paragraphs"], new["sidebars"], base_id
    )
    return ind, sec
