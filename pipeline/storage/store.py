"""Hive-partitioned Parquet output; each plan replaced as a whole by one atomic rename.

What readers see (pandas, pyarrow, DuckDB, Spark: anything reading a Hive-partitioned folder):

    <out>/<dataset>/plan_id=<plan_id>/part-0.parquet

Each `plan_id=<plan_id>` entry is a symbolic link, `../.plans/<plan_id>/current/<dataset>`,
and `<out>/.plans/<plan_id>/current` is itself a link to the plan's current generation, a
folder holding every dataset of the plan (and its manifest). A write makes a new generation
next to the current one, links into it the datasets it does not redo (hard links: no copy),
and then switches `current` with one `rename`. So a reader sees, for every plan, either the
previous generation whole or the new one whole, whenever the writer stops, even by kill -9.
A plan's first generation appears at once too: its links exist (dangling, which readers
skip) before its `current` does.

A reader that reads several datasets one after the other during a run may read one plan's
datasets from two generations if the plan is switched in between; to read a consistent
snapshot, resolve `.plans/<plan_id>/current` once and read under it. Generations not current
(a killed writer's, or superseded ones) are removed at the next write or `recover`. Readers
never see hidden folders (pyarrow, DuckDB and Spark skip names starting with `.`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.procs import alive
from pipeline.errors import OutputError
from pipeline.storage.schema import check_table

log = logging.getLogger(__name__)

PLANS = ".plans"
CURRENT = "current"
FILES = "_files"
PART = "part-0.parquet"
LEGACY = (".staging", ".trash")  # the folders of the earlier, per-dataset commit


def partition_dir(out: Path, dataset: str, plan_id: str) -> Path:
    return Path(out) / dataset / f"plan_id={plan_id}"


def plan_root(out: Path, plan_id: str) -> Path:
    return Path(out) / PLANS / plan_id


def current_generation(out: Path, plan_id: str) -> Path | None:
    """The folder of the plan's current generation (None: the plan has none)."""
    cur = plan_root(out, plan_id) / CURRENT
    return cur.resolve() if cur.is_dir() else None


def write_plan(
    out: Path, plan_id: str, tables: dict[str, pa.Table], extra_files: dict[str, bytes] | None = None
) -> None:
    """Make a new generation of `plan_id` with these datasets (the others carried over) and switch to it.

    `extra_files` maps a path relative to `out` (e.g. `.manifests/<plan>.json`) to bytes that
    are switched with the same rename."""
    out = Path(out)
    root = plan_root(out, plan_id)
    gen = root / generation_name()
    gen.mkdir(parents=True)
    try:
        for name, table in tables.items():
            check_table(name, table)
            (gen / name).mkdir()
            pq.write_table(table, gen / name / PART)
        for rel, data in (extra_files or {}).items():
            target = gen / FILES / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        carry_over(out, plan_id, gen)
        link_plan(out, plan_id, gen)
        switch(root, gen)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    drop_old_generations(root)


def generation_name() -> str:
    """A new generation's folder name: time, writer pid (to tell a live writer's from an orphan), a random tail."""
    return f"g{time.time_ns()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"


def carry_over(out: Path, plan_id: str, gen: Path) -> None:
    """Hard-link into `gen` the datasets and files of the plan's current output that `gen` does not redo."""
    old = current_generation(out, plan_id)
    sources: dict[str, Path] = {}
    if old is not None:
        sources = {d.name: d for d in old.iterdir() if d.is_dir() and d.name != FILES}
        for f in (old / FILES).rglob("*") if (old / FILES).exists() else []:
            rel = f.relative_to(old / FILES)
            if f.is_file() and not (gen / FILES / rel).exists():
                _link_or_copy(f, gen / FILES / rel)
    else:  # output of the earlier layout: real partition folders
        for d in _dataset_dirs(out):
            p = partition_dir(out, d.name, plan_id)
            if p.is_dir() and not p.is_symlink():
                sources[d.name] = p
    for name, src in sources.items():
        if not (gen / name).exists():
            for f in src.iterdir():
                _link_or_copy(f, gen / name / f.name)


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def link_plan(out: Path, plan_id: str, gen: Path) -> None:
    """Make every dataset's `plan_id=` entry and every extra file a link through the plan's `current`."""
    for d in gen.iterdir():
        if d.name == FILES:
            for f in d.rglob("*"):
                if f.is_file():
                    rel = f.relative_to(d)
                    _ensure_link(out / rel, Path(PLANS) / plan_id / CURRENT / FILES / rel, out)
        elif d.is_dir():
            _ensure_link(partition_dir(out, d.name, plan_id), Path(PLANS) / plan_id / CURRENT / d.name, out)


def _ensure_link(at: Path, target_from_out: Path, out: Path) -> None:
    """`at` becomes a relative link to `out/target_from_out` (replacing a folder or file of the earlier layout)."""
    target = Path(os.path.relpath(out / target_from_out, at.parent))
    if at.is_symlink() and Path(os.readlink(at)) == target:
        return
    at.parent.mkdir(parents=True, exist_ok=True)
    tmp = at.parent / f".{at.name}.{uuid.uuid4().hex[:6]}"
    os.symlink(target, tmp)
    if at.is_dir() and not at.is_symlink():
        shutil.rmtree(at)  # the earlier layout's folder: its rows are in the new generation already
    os.replace(tmp, at)


def switch(root: Path, gen: Path) -> None:
    """Point `root/current` at `gen`: one atomic rename."""
    tmp = root / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
    os.symlink(gen.name, tmp)
    cur = root / CURRENT
    if cur.is_dir() and not cur.is_symlink():  # a copied output folder, its links followed: set it aside
        os.replace(cur, root / f"g0.0.{uuid.uuid4().hex[:6]}")
    os.replace(tmp, cur)


def drop_old_generations(root: Path) -> None:
    """Remove a plan's generations that are not current and whose writer is gone (or is this process)."""
    cur = root / CURRENT
    keep = os.readlink(cur) if cur.is_symlink() else None
    for g in root.iterdir() if root.exists() else []:
        if g.name == CURRENT or g.name == keep:
            continue
        pid = _pid_of(g.name)
        if pid is not None and pid != os.getpid() and alive(pid):
            continue  # being written right now
        if g.is_symlink() or g.is_file():
            g.unlink()
        else:
            shutil.rmtree(g, ignore_errors=True)


def recover(out: Path) -> None:
    """Tidy what interrupted writers left: generations never switched to, temporary links, dangling entries."""
    out = Path(out)
    for name in LEGACY:
        shutil.rmtree(out / name, ignore_errors=True)
    plans = out / PLANS
    for root in sorted(plans.iterdir()) if plans.exists() else []:
        drop_old_generations(root)
        if not (root / CURRENT).exists() and not any(root.iterdir()):
            root.rmdir()
    for d in _dataset_dirs(out):
        for p in d.iterdir():
            if p.is_symlink() and not p.exists() and not _being_written(out, p.name.removeprefix("plan_id=")):
                p.unlink()


def _being_written(out: Path, plan_id: str) -> bool:
    root = plan_root(out, plan_id)
    return root.exists() and any(
        (pid := _pid_of(g.name)) is not None and pid != os.getpid() and alive(pid) for g in root.iterdir()
    )


def remove_plan(out: Path, plan_id: str) -> None:
    """Drop every partition of a plan (used when a registered plan disappears)."""
    for d in _dataset_dirs(Path(out)):
        p = d / f"plan_id={plan_id}"
        if p.is_symlink():
            p.unlink()
        elif p.exists():
            shutil.rmtree(p)
    shutil.rmtree(plan_root(out, plan_id), ignore_errors=True)


def read_partition(out: Path, dataset: str, plan_id: str) -> pa.Table | None:
    p = partition_dir(out, dataset, plan_id) / PART
    if not p.exists():
        return None
    table = pq.read_table(p)
    check_table(dataset, table)
    return table


def _dataset_dirs(out: Path) -> list[Path]:
    if not out.exists():
        return []
    return [d for d in out.iterdir() if d.is_dir() and not d.name.startswith((".", "_"))]


# ---------------------------------------------------------------- the output folder itself


LOCK = ".lock"
HELD: set[int] = set()  # file descriptors of the locks this process holds (a forked worker closes its copies)


def close_inherited_locks() -> None:
    """In a forked worker: drop the copies of the parent's lock descriptors, so that the lock ends with the parent."""
    for fd in list(HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    HELD.clear()


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the output folder for one run; a second run on the same folder fails at once with `OutputError`."""
    path = Path(out) / LOCK
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise OutputError(
                f"another run ({holder}) is writing to this folder", file=str(out), expected="one run per folder"
            ) from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}")
        f.flush()
        HELD.add(f.fileno())
        try:
            yield
        finally:
            HELD.discard(f.fileno())
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def check_writable(out: Path, need_bytes: int = 0) -> None:
    """Fail early, before any parsing, when the output folder cannot take a run: not creatable, read-only, full."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".probe.{os.getpid()}"
        with open(probe, "wb") as f:
            f.write(b"\0" * 4096)
            f.flush()
            os.fsync(f.fileno())
        probe.unlink()
    except OSError as e:
        raise OutputError(
            f"cannot write here ({e.strerror or e})", file=str(out), expected="a writable folder"
        ) from None
    free = shutil.disk_usage(out).free
    if free < need_bytes:
        raise OutputError(
            f"only {free // 2**20} MB free, the run needs about {need_bytes // 2**20} MB",
            file=str(out),
            expected="free disk space",
        )


def _pid_of(name: str) -> int | None:
    parts = name.split(".")
    try:
        pid = int(parts[1]) if len(parts) >= 3 else 0
    except ValueError:
        return None
    return pid if pid > 0 else None
