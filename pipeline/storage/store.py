"""Hive-partitioned Parquet output, replaced atomically per plan.

Layout: `<out>/<dataset>/plan_id=<plan_id>/part-0.parquet`. A plan's datasets are
first written to `<out>/.staging/<plan_id>.<pid>/`; only when every one of them
is written and valid is a `COMMIT` marker put there, after which each partition
directory is swapped in with renames. A run interrupted before the marker leaves
the old partitions untouched (the staging folder is discarded on the next run);
one interrupted after it is rolled forward by `recover`. Readers never see hidden
folders (pyarrow, DuckDB and Spark skip names starting with `.`).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.storage.schema import check_table

log = logging.getLogger(__name__)

STAGING = ".staging"
TRASH = ".trash"
COMMIT = "COMMIT"
PART = "part-0.parquet"


def partition_dir(out: Path, dataset: str, plan_id: str) -> Path:
    return Path(out) / dataset / f"plan_id={plan_id}"


def write_plan(
    out: Path, plan_id: str, tables: dict[str, pa.Table], extra_files: dict[str, bytes] | None = None
) -> None:
    """Replace `plan_id`'s partitions of the given datasets, all or nothing.

    `extra_files` maps a path relative to `out` (e.g. `.manifests/<plan>.json`) to bytes
    that are swapped in with the same commit.
    """
    out = Path(out)
    recover(out)
    stage = out / STAGING / f"{plan_id}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    stage.mkdir(parents=True)
    try:
        for name, table in tables.items():
            check_table(name, table)
            d = stage / name
            d.mkdir()
            pq.write_table(table, d / PART)
        for rel, data in (extra_files or {}).items():
            p = stage / "_files" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
        marker = {"plan_id": plan_id, "datasets": sorted(tables), "files": sorted(extra_files or {})}
        tmp = stage / (COMMIT + ".tmp")
        with open(tmp, "w") as f:
            json.dump(marker, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, stage / COMMIT)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _roll_forward(out, stage)


def _roll_forward(out: Path, stage: Path) -> None:
    marker = json.loads((stage / COMMIT).read_text())
    plan_id = marker["plan_id"]
    trash = out / TRASH / stage.name
    for name in marker["datasets"]:
        staged = stage / name
        if not staged.exists():  # already swapped in by an earlier, interrupted roll-forward
            continue
        target = partition_dir(out, name, plan_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            trash.mkdir(parents=True, exist_ok=True)
            os.replace(target, trash / name)
        os.replace(staged, target)
    for rel in marker.get("files", []):
        staged = stage / "_files" / rel
        if staged.exists():
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
    shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(trash, ignore_errors=True)


def recover(out: Path) -> None:
    """Finish commits that were interrupted after their marker; discard the others."""
    out = Path(out)
    staging = out / STAGING
    if staging.exists():
        for stage in sorted(staging.iterdir()):
            pid = _pid_of(stage.name)
            if pid is not None and pid != os.getpid() and _alive(pid):
                continue  # another process is writing it right now
            if (stage / COMMIT).exists():
                log.warning("completing an interrupted write of %s", stage.name)
                _roll_forward(out, stage)
            else:
                shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(out / TRASH, ignore_errors=True)


def remove_plan(out: Path, plan_id: str) -> None:
    """Drop every partition of a plan (used when a registered plan disappears)."""
    for d in Path(out).iterdir() if Path(out).exists() else []:
        p = d / f"plan_id={plan_id}"
        if not d.name.startswith(".") and p.exists():
            shutil.rmtree(p)


def read_partition(out: Path, dataset: str, plan_id: str) -> pa.Table | None:
    p = partition_dir(out, dataset, plan_id) / PART
    if not p.exists():
        return None
    table = pq.read_table(p)
    check_table(dataset, table)
    return table


def _pid_of(name: str) -> int | None:
    parts = name.split(".")
    try:
        return int(parts[-2])
    except (IndexError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
