"""The input registry `raw/plans.csv`: which file is which plan, and which plan a revision revises.

Columns: file, plan_id, region, admin_level (province/city/county/district), period (2021-2025),
edition (a date), revision_of (a plan_id). Every column but `file` may be empty. Plans not
listed get plan_id = file stem and nulls elsewhere.
"""

from __future__ import annotations

import csv
import re
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
            if row["plan_id"] and not re.fullmatch(r"[\w.\-]+", row["plan_id"]):
                raise RegistryError(
                    f"line {line}: plan_id {row['plan_id']!r} is not a safe folder name",
                    file=str(path),
                    expected="letters, digits, . _ -",
                )
            rows[Path(row["file"]).name] = row
    return rows


def plan_jobs(pdfs: list[Path], registry: dict[str, dict[str, Any]], source: str = "plans.csv") -> list[PlanJob]:
    """Jobs in an order where every revision comes after the plan it revises."""
    jobs = []
    seen: dict[str, Path] = {}
    for pdf in pdfs:
        row = dict(registry.get(Path(pdf).name, {}))
        plan_id = row.get("plan_id") or Path(pdf).stem
        row["plan_id"] = plan_id
        if plan_id in seen:
            raise RegistryError(
                f"{pdf} and {seen[plan_id]} would both be plan {plan_id!r}",
                file=source,
                expected="one file per plan_id",
            )
        seen[plan_id] = Path(pdf)
        jobs.append(PlanJob(pdf=Path(pdf), plan_id=plan_id, registry=row))
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
