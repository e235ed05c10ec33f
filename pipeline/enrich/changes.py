"""Stage 6, changes: a revision against the plan it revises -> `indicator_changes`, `section_changes`.

Indicator rows are matched by table (title, else kind and order), category and name, all
compared after NFKC and whitespace removal, never by 序号 or row number: a row inserted in
the middle renumbers those after it without changing them. Paragraphs are aligned in
order within each section (difflib), sidebars matched by their label.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict


def norm(s) -> str:
    if s is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)))


def match_tables(old: list[dict], new: list[dict]) -> dict[str, str]:
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


def row_key(cell: dict) -> tuple[str, str]:
    return norm(cell["category"]), norm(cell["name"])


def rows_of(cells: list[dict], table_id: str) -> dict:
    """(category, name, occurrence) -> {column -> cell}, in row order."""
    rows: dict = {}
    seen: dict = defaultdict(int)
    by_row: dict = defaultdict(list)
    for c in cells:
        if c["table_id"] == table_id:
            by_row[c["row_no"]].append(c)
    for row_no in sorted(by_row):
        first = by_row[row_no][0]
        k = row_key(first)
        rows[k + (seen[k],)] = {norm(c["column"]): c for c in by_row[row_no]}
        seen[k] += 1
    return rows


def indicator_changes(old_tables, old_cells, old_values, new_tables, new_cells, new_values, base_id: str) -> list[dict]:
    value_of = {}
    for tag, values in (("old", old_values), ("new", new_values)):
        for v in values:
            value_of[(tag, v["table_id"], v["row_no"], norm(v["column"]))] = v["value"]
    pairs = match_tables(old_tables, new_tables)
    out = []

    def row(change, tid, base_tid, ref, col, old, new):
        return {
            "revision_of": base_id,
            "table_id": tid,
            "base_table_id": base_tid,
            "category": ref["category"],
            "indicator": ref["name"],
            "column": ref["column"],
            "change": change,
            "old_raw_text": old["raw_text"] if old else None,
            "new_raw_text": new["raw_text"] if new else None,
            "old_value": value_of.get(("old", old["table_id"], old["row_no"], col)) if old else None,
            "new_value": value_of.get(("new", new["table_id"], new["row_no"], col)) if new else None,
            "old_seq": old["seq"] if old else None,
            "new_seq": new["seq"] if new else None,
            "old_row_no": old["row_no"] if old else None,
            "new_row_no": new["row_no"] if new else None,
            "page": (new or old)["page"],
        }

    for t in new_tables:
        tid = t["table_id"]
        base_tid = pairs.get(tid)
        new_rows = rows_of(new_cells, tid)
        old_rows = rows_of(old_cells, base_tid) if base_tid else {}
        for k, cols in new_rows.items():
            old_cols = old_rows.get(k)
            for col, cell in cols.items():
                prev = old_cols.get(col) if old_cols else None
                if prev is None:
                    out.append(row("added", tid, base_tid, cell, col, None, cell))
                elif norm(prev["raw_text"]) != norm(cell["raw_text"]):
                    out.append(row("changed", tid, base_tid, cell, col, prev, cell))
            for col, prev in (old_cols or {}).items():
                if col not in cols:
                    out.append(row("removed", tid, base_tid, prev, col, prev, None))
        for k, old_cols in old_rows.items():
            if k not in new_rows:
                for col, prev in old_cols.items():
                    out.append(row("removed", tid, base_tid, prev, col, prev, None))
    for o in old_tables:
        if o["table_id"] not in pairs.values():
            for cols in rows_of(old_cells, o["table_id"]).values():
                for col, prev in cols.items():
                    out.append(row("removed", o["table_id"], o["table_id"], prev, col, prev, None))
    return out


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(
        (
            "paragraphs_added",
            "paragraphs_removed",
            "paragraphs_changed",
            "sidebars_added",
            "sidebars_removed",
            "sidebars_changed",
        ),
        0,
    )


def section_titles(outline: list[dict]) -> dict[tuple, str]:
    titles = {}
    for o in outline:
        titles[(o["chapter_no"], o["section_no"])] = o["title"]
    return titles


def section_changes(
    old_outline, old_paras, old_sidebars, new_outline, new_paras, new_sidebars, base_id: str
) -> list[dict]:
    # map old sections onto new ones by chapter number and title, falling back to the numbers
    old_titles, new_titles = section_titles(old_outline), section_titles(new_outline)
    by_title = {(k[0], norm(t)): k for k, t in old_titles.items()}
    old_to_new = {}
    for k, t in new_titles.items():
        if (k[0], norm(t)) in by_title:
            old_to_new[by_title[(k[0], norm(t))]] = k
    for k in old_titles:
        if k not in old_to_new and k in new_titles and k not in old_to_new.values():
            old_to_new[k] = k
    keys = list(dict.fromkeys(list(new_titles) + [old_to_new.get(k, k) for k in old_titles]))
    keys += [k for k in {(p["chapter_no"], p["section_no"]) for p in new_paras} if k not in keys]

    def grouped(paras, remap=None):
        g = defaultdict(list)
        for p in paras:
            k = (p["chapter_no"], p["section_no"])
            g[remap.get(k, k) if remap else k].append(norm(p["text"]))
        return g

    new_p, old_p = grouped(new_paras), grouped(old_paras, old_to_new)
    counts = {k: zero_counts() for k in keys}
    for k in keys:
        a, b = old_p.get(k, []), new_p.get(k, [])
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "replace":
                n = min(i2 - i1, j2 - j1)
                counts[k]["paragraphs_changed"] += n
                counts[k]["paragraphs_added"] += (j2 - j1) - n
                counts[k]["paragraphs_removed"] += (i2 - i1) - n
            elif op == "insert":
                counts[k]["paragraphs_added"] += j2 - j1
            elif op == "delete":
                counts[k]["paragraphs_removed"] += i2 - i1
    label = lambda s: norm(s["sidebar_label"]) or norm(s["title"])
    old_sb = {label(s): s for s in old_sidebars}
    new_sb = {label(s): s for s in new_sidebars}
    for lab, s in new_sb.items():
        k = (s["chapter_no"], s["section_no"])
        counts.setdefault(k, zero_counts())
        if lab not in old_sb:
            counts[k]["sidebars_added"] += 1
        elif norm(old_sb[lab]["text"]) != norm(s["text"]) or norm(old_sb[lab]["title"]) != norm(s["title"]):
            counts[k]["sidebars_changed"] += 1
    for lab, s in old_sb.items():
        if lab not in new_sb:
            k = old_to_new.get((s["chapter_no"], s["section_no"]), (s["chapter_no"], s["section_no"]))
            counts.setdefault(k, zero_counts())
            counts[k]["sidebars_removed"] += 1
    out = []
    for k, c in counts.items():
        title = new_titles.get(k) or old_titles.get(next((o for o, n in old_to_new.items() if n == k), k))
        out.append({"revision_of": base_id, "chapter_no": k[0], "section_no": k[1], "title": title, **c})
    return out


def run(base_id: str, old: dict[str, list[dict]], new: dict[str, list[dict]]) -> tuple[list[dict], list[dict]]:
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
