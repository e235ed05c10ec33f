"""Each plan in a worker process of its own, with a time and a memory limit: one plan's failure stays its own.

A worker is forked from this process for each plan to redo (so the code, the settings and the
text stage's dictionaries loaded here are shared, not loaded again). It runs every stage of
the plan and commits its output, then sends back a `Result`; its log records come back too,
to be shown here. Whatever happens in it, an exception of any kind, an address-space limit
reached (`max_memory`, set with `setrlimit`), a wall-time limit passed (the worker is killed),
a crash in a library, is that plan's failure, reported on one line; the next plan gets a
fresh worker. An internal error (a bug, not bad input) leaves its traceback in
`<out>/_runs/<run_id>/<plan_id>.log`.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from pipeline.errors import InternalError, MemoryLimitError, PipelineError, PlanTimeoutError, WorkerDiedError
from pipeline.storage import store
from pipeline.storage.registry import PlanJob

log = logging.getLogger(__name__)

BASE_SECONDS = 120.0  # the time limit of a plan: this, plus PAGE_SECONDS per page once its page count is known
PAGE_SECONDS = 10.0  # a page read through OCR takes 2 to 3 s of CPU; a loaded machine twice that
MEMORY_SHARE = 0.5  # the memory limit of a worker: this share of the machine's memory, split between workers
MIN_MEMORY = 4 * 2**30  # OCR (onnxruntime) reserves ~3 GB of address space
EXIT_GRACE = 10.0  # seconds a worker that sent its result (or closed its pipe) may take to end


@dataclass(frozen=True)
class Limits:
    """A plan's bounds: wall seconds (None: BASE_SECONDS + PAGE_SECONDS a page) and address-space bytes."""

    timeout: float | None = None
    max_memory: int | None = None

    def seconds_for(self, pages: int | None) -> float:
        if self.timeout is not None:
            return self.timeout
        return BASE_SECONDS + PAGE_SECONDS * (pages or 0)


def default_max_memory(workers: int) -> int:
    """MEMORY_SHARE of the machine's memory split between the workers, at least MIN_MEMORY each."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(MIN_MEMORY, int(total * MEMORY_SHARE / max(1, workers)))


def parse_size(text: str) -> int:
    """`4G`, `1500M`, `2.5GiB`, `800000000` -> bytes."""
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    scale = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}.get(t[-1:], 1)
    number = t[:-1] if t[-1:] in "KMGT" else t
    return int(float(number) * scale)


# ---------------------------------------------------------------- in the worker

Work = Callable[[Callable[[str, int], Callable[[int], None]]], Any]  # given a progress callback, returns a Result


class PipeLogHandler(logging.Handler):
    """Sends the worker's log records to the parent, which shows them as its own."""

    def __init__(self, conn: Connection):
        super().__init__()
        self.conn = conn

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            record.msg, record.args, record.exc_info = record.getMessage(), None, None
            self.conn.send(("log", record))


def die_with_parent(parent: int) -> None:
    """Linux: the worker is killed when the process that started it dies (no orphan writes on after a kill -9)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)
    store.close_inherited_locks()


def _worker(conn: Connection, work: Work, plan_id: str, log_dir: Path, max_memory: int | None, parent: int) -> None:
    die_with_parent(parent)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(PipeLogHandler(conn))
    use_system_allocator()
    if max_memory:
        cap = address_space_limit(max_memory)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    def on_stage(name: str, total: int) -> Callable[[int], None]:
        conn.send(("stage", name, total))
        return lambda n: conn.send(("tick", n))

    try:
        result: Any = ("result", work(on_stage))
    except MemoryError:
        result = ("error", MemoryLimitError(f"needed more than the memory limit ({max_memory or 0} bytes)"))
    except PipelineError as e:
        result = ("error", e)
    except BaseException as e:
        if out_of_memory(e):
            result = ("error", MemoryLimitError(f"needed more than the memory limit ({max_memory or 0} bytes)"))
        else:
            result = ("error", internal_error(plan_id, log_dir, traceback.format_exc()))
    try:
        conn.send(result)
    except Exception:  # a result that cannot be pickled is a bug too
        conn.send(("error", internal_error(plan_id, log_dir, traceback.format_exc())))
    conn.close()
    os._exit(0)  # no atexit handlers, no flushing of the parent's buffers twice


def use_system_allocator() -> None:
    """Arrow's default allocator (mimalloc) reserves 1 GiB of address space on its first allocation: in a
    worker whose address space is limited, Arrow allocates with the C library's `malloc` instead."""
    with contextlib.suppress(Exception):
        import pyarrow

        pyarrow.set_memory_pool(pyarrow.system_memory_pool())


def address_space_limit(max_memory: int) -> int:
    """The address-space limit of a worker that may use `max_memory` bytes: that, plus the address space it
    inherited from the process it was forked from and never touched (allocator arenas and thread stacks
    reserved there are address space, not memory). What is resident already counts."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return max_memory
    fields = (ln.partition(":") for ln in status.splitlines())
    kb = {k: int(v.split()[0]) for k, _, v in fields if k in ("VmSize", "VmRSS")}
    return max_memory + max(0, kb.get("VmSize", 0) - kb.get("VmRSS", 0)) * 1024


def out_of_memory(e: BaseException) -> bool:
    """An exception that is a failed allocation, raised as such or wrapped by a library (C++ `std::bad_alloc`)."""
    seen: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and len(seen) < 8:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return any(isinstance(x, MemoryError) or "bad_alloc" in str(x) for x in seen)


def internal_error(plan_id: str, log_dir: Path, trace: str) -> InternalError:
    """The error reported for a bug met on one plan, its traceback written to the run's log folder."""
    path = log_dir / f"{plan_id}.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(trace, encoding="utf-8")
    except OSError:
        path = Path("(traceback not written)")
    last = trace.strip().splitlines()[-1] if trace.strip() else "unknown"
    return InternalError(f"internal error, please report: {last} (traceback in {path})")


# ---------------------------------------------------------------- in the parent


@dataclass
class Running:
    job: PlanJob
    process: Any
    conn: Connection
    started: float
    deadline: float
    progress: Callable[[str, int], Callable[[int], None]] | None
    tick: Callable[[int], None] = field(default=lambda n: None)
    outcome: tuple[str, Any] | None = None


class WorkerPool:
    """Runs plan work in forked workers, `size` at a time, enforcing each plan's limits."""

    def __init__(self, size: int, limits: Limits, log_dir: Path):
        self.size = max(1, size)
        self.limits = limits
        self.log_dir = log_dir
        self.running: dict[str, Running] = {}
        self.ctx = multiprocessing.get_context("fork")

    def start(self, job: PlanJob, work: Work, progress: Callable[[str, int], Callable[[int], None]] | None) -> None:
        recv, send = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(
            target=_worker,
            args=(send, work, job.plan_id, self.log_dir, self.limits.max_memory, os.getpid()),
            name=f"plan {job.plan_id}",
            daemon=False,
        )
        proc.start()
        send.close()
        now = time.monotonic()
        self.running[job.plan_id] = Running(job, proc, recv, now, now + self.limits.seconds_for(None), progress)

    def full(self) -> bool:
        return len(self.running) >= self.size

    def wait(self) -> Iterator[tuple[PlanJob, Any]]:
        """Wait for the next events; yield (job, Result or PipelineError) for each plan that ended."""
        if not self.running:
            return
        now = time.monotonic()
        timeout = max(0.0, min(r.deadline for r in self.running.values()) - now)
        handles: list[Any] = [r.conn for r in self.running.values()] + [
            r.process.sentinel for r in self.running.values()
        ]
        ready = wait(handles, timeout=timeout)
        for r in list(self.running.values()):
            if r.conn in ready:
                self._read(r)
            ended = r.outcome is not None or r.process.sentinel in ready
            if ended or time.monotonic() >= r.deadline:
                yield r.job, self._finish(r, timed_out=not ended)

    def _read(self, r: Running) -> None:
        """Handle every message waiting from a worker: log records, progress, its outcome."""
        with contextlib.suppress(EOFError, OSError):
            while r.outcome is None and r.conn.poll():
                msg = r.conn.recv()
                if msg[0] == "log":
                    record: logging.LogRecord = msg[1]
                    logging.getLogger(record.name).handle(record)
                elif msg[0] == "stage":
                    if msg[1] == "ingest" and msg[2] > 1:  # the page count: the plan's time limit is now known
                        r.deadline = r.started + self.limits.seconds_for(msg[2])
                    r.tick = r.progress(msg[1], msg[2]) if r.progress else (lambda n: None)
                elif msg[0] == "tick":
                    r.tick(msg[1])
                else:
                    r.outcome = msg

    def _finish(self, r: Running, timed_out: bool) -> Any:
        del self.running[r.job.plan_id]
        if timed_out:
            r.process.kill()
            r.process.join()
            r.conn.close()
            return PlanTimeoutError(
                f"stopped after {r.deadline - r.started:.0f} s, its time limit (--timeout)", file=str(r.job.pdf)
            )
        if r.outcome is None:
            self._read(r)  # a result sent just before the worker ended
        r.process.join(timeout=EXIT_GRACE)
        if r.process.is_alive():  # sent its result but does not end
            r.process.kill()
            r.process.join()
        r.conn.close()
        if r.outcome is None:
            return died(r.job, r.process.exitcode, self.limits.max_memory)
        outcome = r.outcome[1]
        if isinstance(outcome, PipelineError) and outcome.file is None:
            outcome.file = str(r.job.pdf)
        return outcome

    def stop(self) -> None:
        for r in self.running.values():
            r.process.kill()
            r.process.join()
        self.running.clear()


def died(job: PlanJob, exitcode: int | None, max_memory: int | None) -> PipelineError:
    """The error of a worker that ended without a result."""
    how = f"signal {signal.Signals(-exitcode).name}" if exitcode and exitcode < 0 else f"exit status {exitcode}"
    if max_memory and exitcode in (-signal.SIGKILL, -signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS):
        return WorkerDiedError(
            f"its worker ended without a result ({how}): killed from outside, or out of memory "
            f"(limit {max_memory // 2**20} MB, --max-memory)",
            file=str(job.pdf),
        )
    return WorkerDiedError(f"its worker ended without a result ({how})", file=str(job.pdf))
