"""The record of one run: `<out>/_runs/<run_id>.json` (plans done, up to date, failed with their reasons,
seconds per plan) and `<out>/_runs/<run_id>/` (tracebacks of internal errors, one file per plan).

Readers skip `_runs` (pyarrow, DuckDB and Spark ignore names starting with `_`)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from pipeline.run.extract import Result
    from pipeline.storage.registry import PlanJob

RUNS = "_runs"


def new_run_id() -> str:
    """A run's id: its UTC start time to the second and this process's id (sortable, unique on a machine)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.getpid()}"


def failure_row(error: PipelineError) -> dict[str, Any]:
    return {"kind": error.kind, "message": error.message, "page": error.page, "line": str(error)}


@dataclass
class RunLog:
    out: Path
    run_id: str
    started: str
    plans: list[dict[str, Any]] = field(default_factory=list)
    t0: float = field(default_factory=time.perf_counter)

    @classmethod
    def start(cls, out: Path) -> RunLog:
        return cls(Path(out), new_run_id(), datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def log_dir(self) -> Path:
        return self.out / RUNS / self.run_id

    def add(self, job: PlanJob, res: Result) -> None:
        row: dict[str, Any] = {
            "plan_id": job.plan_id,
            "file": str(job.pdf),
            "status": res.status,
            "stages": res.stages,
            "seconds": round(sum(res.seconds.values()), 3),
            "rows": res.counts,
        }
        if res.error is not None:
            row.update(failure_row(res.error))
        self.plans.append(row)

    def summary(self) -> dict[str, Any]:
        statuses = [p["status"] for p in self.plans]
        return {
            "run_id": self.run_id,
            "started": self.started,
            "finished": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - self.t0, 3),
            "counts": {s: statuses.count(s) for s in ("extracted", "up to date", "failed")},
            "plans": self.plans,
        }

    def finish(self) -> None:
        """Write the run's summary (a run that cannot write it still ends as it would have)."""
        path = self.out / RUNS / f"{self.run_id}.json"
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.summary(), ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)
