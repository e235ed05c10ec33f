"""The input registry `raw/plans.csv`: which file is which plan, and which plan a revision revises.

Columns: file, plan_id, region, admin_level (province/city/county/district), period (2021-2025),
edition (a date), revision_of (a plan_id). Every column but `file` may be empty. Plans not
listed get plan_id = file stem and nulls elsewhere.
"""

from __future__ import annotations

import csv
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import RegistryError

COLUMNS = ["file", "plan_id", "region", "admin_level", "period", "edition", "revision_of"]
ADMIN_LEVELS = {"province", "city", "county", "district"}


@dataclass
class PlanJob:
    pdf: Path
    plan_id: str
    registry: dict[str, Any] = field(default_factory=dict)
    error: RegistryError | None = None  # why this file cannot be a plan of the batch (it is reported, not run)

    @property
    def revision_of(self) -> str | None:
        value = self.registry.get("revision_of")
        return str(value) if value else None


def load(path: Path | None) -> dict[str, dict[str, Any]]:
    """file name -> registry row (empty strings become None). Malformed files raise RegistryError."""
    if path is None or not Path(path).exists():
        return {}
    rows: dict[str, dict[str, Any]] = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ("file",) if c not in (reader.fieldnames or [])]
        unknown = [c for c in (reader.fieldnames or []) if c not in COLUMNS]
        if missing or unknown:
            raise RegistryError(
                f"columns {reader.fieldnames} do not match the registry", file=str(path), expected=", ".join(COLUMNS)
            )
        for line, row in enumerate(reader, start=2):
            row = {c: (row.get(c) or "").strip() or None for c in COLUMNS}
            if not row["file"]:
                raise RegistryError(f"line {line} has no file", file=str(path))
            if row["admin_level"] and row["admin_level"] not in ADMIN_LEVELS:
                raise RegistryError(
                    f"line {line}: admin_level {row['admin_level']!r}",
                    file=str(path),
                    expected=" / ".join(sorted(ADMIN_LEVELS)),
                )
            if row["period"] and not re.fullmatch(r"\d{4}-\d{4}", row["period"]):
                raise RegistryError(f"line {line}: period {row['period']!r}", file=str(path), expected="YYYY-YYYY")
            if row["plan_id"] and not is_plan_id(row["plan_id"]):
                raise RegistryError(
                    f"line {line}: plan_id {row['plan_id']!r} would not read back as itself",
                    file=str(path),
                    expected=PLAN_ID_RULE,
                )
            rows[Path(row["file"]).name] = row
    return rows


PLAN_ID_RULE = "letters, digits, . _ -, starting with a letter or digit and holding at least one letter"


def is_plan_id(text: str) -> bool:
    """Whether a plan_id is a folder name every Hive reader (pandas, pyarrow, DuckDB, Spark) reads back as itself:
    no character that is escaped in a partition path, nothing hidden, not a number or a date (readers infer those)."""
    return bool(re.fullmatch(r"[^\W_][\w.\-]*", text)) and bool(re.search(r"[^\W\d_]", text)) and len(text) <= 200


def plan_id_from_name(stem: str) -> str:
    """The plan_id of an unregistered file: its name made a valid id (`a%20b` -> `a-b`, `2021` -> `plan-2021`)."""
    text = re.sub(r"[^\w.\-]+", "-", urllib.parse.unquote(stem)).strip("-._") or "plan"
    return text if is_plan_id(text) else f"plan-{text}"


def plan_jobs(pdfs: list[Path], registry: dict[str, dict[str, Any]], source: str = "plans.csv") -> list[PlanJob]:
    """Jobs in an order where every revision comes after the plan it revises. A file given twice is one job; a
    second file that would be the same plan is a job that fails with the reason."""
    jobs: list[PlanJob] = []
    seen: dict[str, Path] = {}
    for pdf in dict.fromkeys(Path(p) for p in pdfs):
        row = dict(registry.get(pdf.name, {}))
        plan_id = row.get("plan_id") or plan_id_from_name(pdf.stem)
        row["plan_id"] = plan_id
        if plan_id in seen:
            reason = f"would be plan {plan_id!r} as {str(seen[plan_id])!r} is"
            error = RegistryError(reason, file=str(pdf), expected="one file per plan_id")
            jobs.append(PlanJob(pdf=pdf, plan_id=f"{plan_id}#{len(jobs)}", registry=row, error=error))
            continue
        seen[plan_id] = pdf
        jobs.append(PlanJob(pdf=pdf, plan_id=plan_id, registry=row))
    return order_by_revision(jobs)


def order_by_revision(jobs: list[PlanJob]) -> list[PlanJob]:
    by_id = {j.plan_id: j for j in jobs}
    done: list[PlanJob] = []
    placed: set[str] = set()

    def place(job: PlanJob, trail: tuple[str, ...] = ()) -> None:
        if job.plan_id in placed:
            return
        if job.plan_id in trail:
            raise RegistryError(f"revision_of forms a cycle: {' -> '.join((*trail, job.plan_id))}")
        base = by_id.get(job.revision_of) if job.revision_of else None
        if base is not None:
            place(base, (*trail, job.plan_id))
        placed.add(job.plan_id)
        done.append(job)

    for j in jobs:
        place(j)
    return done
