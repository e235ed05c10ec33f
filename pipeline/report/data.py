"""Reading one extraction folder for the report: plans, rows per dataset, row counts, manifests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from pipeline.run.extract import MANIFESTS, read_manifest
from pipeline.storage.schema import all_schemas
from pipeline.storage.store import PART, partition_dir

Row = dict[str, Any]

RUNS = "_runs"  # the run log: `<out>/_runs/<run_id>.json`, a row per plan (status, file, the failure's line)


def dataset_names() -> list[str]:
    """Every public dataset, in the order of schemas/."""
    return [s.name for s in all_schemas()]


def extracted_plans(out: Path) -> list[str]:
    """The plans `out` holds: those with a manifest or a `documents` partition, and those the last run failed."""
    out = Path(out)
    found = {p.stem for p in (out / MANIFESTS).glob("*.json")}
    found |= {p.name.removeprefix("plan_id=") for p in (out / "documents").glob("plan_id=*")}
    found |= {plan for plan, row in last_run(out).items() if row.get("status") == "failed"}
    return sorted(found)


def last_run(out: Path) -> dict[str, Row]:
    """plan_id -> its row in the latest run's log (names sort by start time); {} without a readable log."""
    logs = sorted((Path(out) / RUNS).glob("*.json"))
    try:
        data = json.loads(logs[-1].read_text(encoding="utf-8")) if logs else {}
    except (OSError, ValueError):
        return {}
    rows = data.get("plans", []) if isinstance(data, dict) else []
    return {str(r["plan_id"]): r for r in rows if isinstance(r, dict) and r.get("plan_id")}


def part_file(out: Path, dataset: str, plan_id: str) -> Path:
    return partition_dir(out, dataset, plan_id) / PART


def read_rows(out: Path, dataset: str, plan_id: str) -> list[Row]:
    """A plan's rows of a dataset as dicts ([] when the plan has no partition of it)."""
    path = part_file(out, dataset, plan_id)
    if not path.exists():
        return []
    rows: list[Row] = pq.read_table(path).to_pylist()
    return rows


def row_count(out: Path, dataset: str, plan_id: str) -> int | None:
    """Rows in a plan's partition of a dataset, from the Parquet footer; None when there is no partition."""
    path = part_file(out, dataset, plan_id)
    if not path.exists():
        return None
    return int(pq.read_metadata(path).num_rows)


def row_counts(out: Path, plan_id: str) -> dict[str, int | None]:
    return {name: row_count(out, name, plan_id) for name in dataset_names()}


def manifest(out: Path, plan_id: str) -> dict[str, Any]:
    return read_manifest(out, plan_id) or {}


def recorded_warnings(*records: dict[str, Any]) -> list[str]:
    """Warnings recorded for the plan (`warnings`: a list of lines) in its manifest or its run log row."""
    lines: list[str] = []
    for rec in records:
        found = rec.get("warnings") or []
        lines += [str(w) for w in found] if isinstance(found, list) else [str(found)]
    return list(dict.fromkeys(lines))


def recorded_error(man: dict[str, Any], run: dict[str, Any]) -> str | None:
    """The plan's failure: the latest run's one line when it failed, else an `error` in its manifest."""
    if run.get("status") == "failed":
        return str(run.get("line") or run.get("message") or "failed")
    err = man.get("error")
    return str(err) if err else None
