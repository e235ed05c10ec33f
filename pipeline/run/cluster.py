"""Plans over a Dask cluster: one task per stale plan, the same output as a local run.

`extract_plans_distributed` takes `extract_plans`'s arguments and a scheduler address:
`tcp://host:8786` (a running scheduler: `dask scheduler`, or dask-jobqueue's `SLURMCluster`, see slurm.py),
a scheduler file (`*.json`, as `dask scheduler --scheduler-file` writes it), or `local:N` (a
`LocalCluster` of N worker processes of one thread each, on this machine's loopback).

On the client (this process), as locally: the output folder is checked and locked, left-overs of killed
runs are tidied, every plan's staleness is decided (`check_job`: SHA-256, stale stages; nothing is
parsed), and the run's summary is written (`<out>/_runs/<run_id>.json`, with each plan's worker and
task times). Only the plans with work to do become tasks, so a rerun submits only stale plans. A
revision's task takes the task of the plan it revises as an argument: Dask starts it once that task
has ended (a task dependency). Results come back as tasks end, each reported as it comes
(`on_result`; the log records of its worker are replayed here).

On a worker, a plan's task runs the plan as `extract_plans` does, in a process of its own
(`workers.WorkerPool`), with the same time and memory limits and the same reporting of internal
errors. Dask's worker processes are daemonic by default, and a daemonic process may not start
processes: the `LocalCluster` made for `local:N` has `distributed.worker.daemon: False`, and on a
worker of another cluster the task clears its process's daemon flag (that flag only stops a
process from starting children; the plan processes end with the worker all the same, as
`workers.die_with_parent` kills them). Where the flag cannot be cleared, the plan runs in the task
itself, without its time and memory limits (a warning says so).

A plan with more pages to OCR than one OCR task takes (`OCR_CHUNK`) stops after parsing
(`extract.OCR_GATE`; its parsed pages go to the ingest cache): its pages are OCR'd by tasks of
their own, in chunks, spread over the workers and cached page by page (`<out>/.cache/ocr/`); the
plan's next task depends on them and finds them cached.

A task that fails is retried once (`retries=1`); a task whose worker dies is run once more on
another worker (`distributed.scheduler.allowed-failures: 1` on the `LocalCluster`; an external
scheduler uses its own setting, 3 by default). A plan that still has no result then fails like
any other, on one line. A plan commits its output atomically, so a worker lost mid-plan leaves no
partial output; a plan whose lost task had already committed is not extracted again (its manifest
names this run).

The output folder and the PDFs must be on a filesystem every worker sees. On start, the client
writes a marker file into the output folder and a task on every connected worker reads it (and
checks the PDFs' folders and that the worker runs the same pipeline code and settings); each
plan's task checks the marker too, for workers that join later. A worker that does not see it
stops the run with `OutputError`.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import importlib.util
import logging
import multiprocessing
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import settings
from pipeline.errors import InternalError, MemoryLimitError, OutputError, PipelineError, WorkerDiedError, quoted
from pipeline.pdf import cache, ingest, ocr
from pipeline.pdf.model import ParsedPdf
from pipeline.run import extract, runlog, stages, workers
from pipeline.run.extract import Checked, OnStage, Result, RunStamp
from pipeline.run.stages import PERSISTED, STAGES, fingerprint
from pipeline.settings import settings_for
from pipeline.storage import store
from pipeline.storage.registry import PlanJob

if TYPE_CHECKING:
    from distributed import Client, Future

log = logging.getLogger(__name__)

LOCAL = "local"
OCR_CHUNK = 4  # pages per OCR task; a plan with more pages than this to OCR hands them to OCR tasks
MARKER = ".cluster-check"  # the shared-filesystem marker: <out>/.cluster-check.<token>

# the LocalCluster of `local:N` (and the scheduler slurm.py starts): plan processes may be started by a worker,
# a task whose worker dies is run once more, no sampling profiler in the workers
CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.worker.daemon": False,
    "distributed.scheduler.allowed-failures": 1,
    "distributed.worker.profile.enabled": False,
}


# ---------------------------------------------------------------- the scheduler


@dataclass(frozen=True)
class Address:
    """Where the scheduler is: a LocalCluster of `local` workers to start, a scheduler file, or an address."""

    local: int | None = None
    scheduler_file: Path | None = None
    url: str | None = None


def parse_scheduler(text: str) -> Address:
    """`local:N` / `local`, `path/scheduler.json`, `tcp://host:8786` (any Dask address); else a `PipelineError`."""
    t = text.strip()
    expected = "local:N (N worker processes here), a scheduler file (.json) or an address such as tcp://host:8786"
    if t == LOCAL or t.startswith(LOCAL + ":"):
        n = t.partition(":")[2] or str(os.cpu_count() or 1)
        if not n.isdigit() or int(n) < 1:
            raise PipelineError(f"--scheduler {text!r}", expected=expected)
        return Address(local=int(n))
    if t.endswith(".json"):
        return Address(scheduler_file=Path(t))
    if ":" in t:
        return Address(url=t)
    raise PipelineError(f"--scheduler {text!r}", expected=expected)


@contextlib.contextmanager
def cluster_config() -> Iterator[None]:
    """`CLUSTER_CONFIG` in force for a cluster started here (while it runs: a worker restarted after a crash too)."""
    import dask
    import distributed  # noqa: F401 (its defaults join Dask's config on import: setting them before would lose them)

    with dask.config.set(CLUSTER_CONFIG):
        yield


@contextlib.contextmanager
def local_cluster(n_workers: int) -> Iterator[str]:
    """A LocalCluster of `n_workers` processes, one thread each, on the loopback, with `CLUSTER_CONFIG`; yields the
    scheduler's address."""
    from distributed import LocalCluster

    with cluster_config():
        cluster = LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},  # its HTTP routes: any port
            silence_logs=logging.ERROR,
        )
        try:
            yield str(cluster.scheduler_address)
        finally:
            cluster.close()


@contextlib.contextmanager
def connect(scheduler: str) -> Iterator[Client]:
    """A client of the scheduler `scheduler` names (starting the LocalCluster of `local:N`, closed on exit)."""
    from distributed import Client

    where = parse_scheduler(scheduler)
    with contextlib.ExitStack() as stack:
        stack.enter_context(quiet_dask())
        try:
            if where.local is not None:
                client = Client(stack.enter_context(local_cluster(where.local)))
            elif where.scheduler_file is not None:
                client = Client(scheduler_file=str(where.scheduler_file))
            else:
                client = Client(where.url)
        except (OSError, TimeoutError, ValueError) as e:
            raise PipelineError(f"cannot reach the Dask scheduler {scheduler!r} ({e})") from None
        stack.callback(client.close)
        yield client


@contextlib.contextmanager
def quiet_dask() -> Iterator[None]:
    """Dask's own log (the LocalCluster's scheduler and nannies run in this process) at errors only, unless the
    pipeline's log is at debug level (`-v`)."""
    import distributed  # noqa: F401 (its import sets its loggers' levels: set them after)

    logger = logging.getLogger("distributed")
    level = logger.level
    if logging.getLogger("pipeline").getEffectiveLevel() > logging.DEBUG:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


# ---------------------------------------------------------------- what every task of a run carries


@dataclass(frozen=True)
class RunConfig:
    """What a run makes active in its process besides its arguments (settings file, engine, OCR mode, log level);
    a task makes it its worker's."""

    overrides: dict[str, dict[str, Any]]
    engine: str
    ocr_mode: str
    log_level: int

    @classmethod
    def current(cls) -> RunConfig:
        level = logging.getLogger("pipeline").getEffectiveLevel()
        return cls(settings.active_overrides(), ingest.active_engine(), ocr.mode(), level)

    def apply(self) -> None:
        if settings.active_overrides() != self.overrides:  # a change clears the cached fingerprints
            settings.use(self.overrides)
        ingest.use_engine(self.engine)
        ocr.set_mode(self.ocr_mode)
        logging.getLogger("pipeline").setLevel(self.log_level)


@dataclass(frozen=True)
class RunContext:
    """What every task of one run shares: the output folder, the run's log folder and stamp, the marker file, the
    configuration and the limits (`max_memory` None: from the worker's own memory limit)."""

    out: Path
    log_dir: Path
    marker: Path
    stamp: RunStamp
    config: RunConfig
    limits: workers.Limits


@dataclass(frozen=True)
class PlanTask:
    job: PlanJob  # its PDF's path absolute
    checked: Checked
    run: RunContext
    force: bool
    page_jobs: int
    ocr_chunk: int  # OCR more pages than this in tasks of their own; 0: OCR here


@dataclass(frozen=True)
class OcrTask:
    job: PlanJob
    pages: list[int]
    folder: Path  # the plan's OCR cache folder
    run: RunContext


class OcrNeeded(Exception):  # not an error: a plan's first task stops here on purpose
    """A plan's pages to OCR in tasks of their own, and where they are cached; raised by the OCR gate."""

    def __init__(self, pages: list[int], cache_dir: Path, parsed: bool):
        super().__init__(pages, cache_dir, parsed)
        self.pages, self.cache_dir, self.parsed = pages, cache_dir, parsed


@dataclass(frozen=True)
class Waiting:
    """A revision's task found its base plan not done yet (its task stopped for OCR): submit it again."""


@dataclass
class Outcome:
    """What a task sends back: its value, the log records it made, which worker ran it and when."""

    value: Any
    records: list[logging.LogRecord] = field(default_factory=list)
    worker: str = ""
    started: float = 0.0
    finished: float = 0.0


# ---------------------------------------------------------------- on a worker


def plan_task(task: PlanTask, *after: Outcome) -> Outcome:
    """A plan's task (`after`: the outcomes it waited for: the plan it revises, its OCR tasks)."""
    if any(isinstance(o, Outcome) and isinstance(o.value, OcrNeeded | Waiting) for o in after):
        now = time.time()
        return Outcome(Waiting(), [], worker_name(), now, now)
    return in_worker(task.run, lambda: run_plan_task(task))


def ocr_task(task: OcrTask) -> Outcome:
    """OCR some pages of a plan into its OCR cache, in a process of their own (a page per cache file)."""
    return in_worker(task.run, lambda: isolated(task.job, ocr_work(task), task.run))


def probe(run: RunContext, folders: list[str]) -> dict[str, Any]:
    """Run on each worker at the start: does it see the marker and the PDFs' folders, which code does it run?"""
    run.config.apply()
    return {
        "worker": worker_name(),
        "shared": sees_marker(run.marker),
        "missing": [f for f in folders if not Path(f).is_dir()],
        "fingerprints": {s: fingerprint(s) for s in PERSISTED},
    }


def in_worker(run: RunContext, body: Callable[[], Any]) -> Outcome:
    """Run a task's body with the run's configuration, its log records collected; an output folder this worker
    does not see is the body's value, an `OutputError`."""
    started = time.time()
    with collected_logs() as records:
        if not sees_marker(run.marker):
            value: Any = not_shared(run.out, worker_name())
        else:
            run.config.apply()
            value = body()
    return Outcome(value, records, worker_name(), started, time.time())


def run_plan_task(task: PlanTask) -> Result | OcrNeeded:
    job = task.job
    if committed_by(task.run.out, job.plan_id, task.run.stamp):
        log.info("%s: committed by an earlier try of this run's task (its worker was lost)", job.plan_id)
        stale = task.checked[1] if isinstance(task.checked, tuple) else set()
        return Result(plan_id=job.plan_id, status="extracted", stages=[s for s in PERSISTED if s in stale])
    prepare_worker(task.checked)
    outcome = isolated(job, plan_work(task), task.run)
    return Result(job.plan_id, "failed", error=outcome) if isinstance(outcome, PipelineError) else outcome


def plan_work(task: PlanTask) -> workers.Work:
    """The plan's work as `extract_plans` does it, with the OCR gate set when its OCR may go to tasks."""
    inner = extract.plan_work(task.job, task.run.out, task.checked, task.force, task.page_jobs, task.run.stamp)

    def work(on_stage: OnStage) -> Result | OcrNeeded:
        gate = functools.partial(defer_ocr, task.run.out, task.ocr_chunk) if task.ocr_chunk else None
        token = extract.OCR_GATE.set(gate)
        try:
            result: Result = inner(on_stage)
            return result
        except OcrNeeded as e:
            return e
        finally:
            extract.OCR_GATE.reset(token)

    return work


def defer_ocr(out: Path, chunk: int, doc: ParsedPdf, ocr_cache: Path, parsed: bool) -> None:
    """The OCR gate: more than `chunk` pages to OCR (not cached yet) go to OCR tasks; the plan stops here, its
    parsed pages in the ingest cache for its next task. Fewer are OCR'd in the plan's own task. `parsed`: this
    task parsed the PDF (not read it from the cache), as the run's count of parsed PDFs says."""
    cfg = settings_for("ocr")
    folder = ocr.page_cache(ocr_cache, doc.sha256, cfg)
    todo = [n for n in ocr.pages_to_ocr(doc, ocr.mode(), cfg) if ocr.load_cached(folder, n) is None]
    if len(todo) <= chunk:
        return
    key = fingerprint("ingest")
    try:
        cache.store(out, doc, key)
    except OSError as e:  # not cached: the plan OCRs its pages itself
        log.warning("%s: parsed pages not cached (%s)", Path(doc.path).name, e)
        return
    raise OcrNeeded(todo, ocr_cache, parsed)


def ocr_work(task: OcrTask) -> workers.Work:
    def work(on_stage: OnStage) -> int:
        cfg = settings_for("ocr")
        for n in task.pages:  # each page cached as soon as it is read
            for page in ocr.ocr_pages(str(task.job.pdf), [n], cfg):
                ocr.store_cached(task.folder, page)
        return len(task.pages)

    return work


_warmed: set[str] = set()  # what this worker process has loaded for its plans: "stages", "text"


def prepare_worker(checked: Checked) -> None:
    """Load once in the worker process what each plan's process would load again (as `extract_plans` does before
    forking): the stages' modules and libraries, the text stage's dictionaries if it runs; the stages' fingerprints
    are checked at every task (cached, but computed again after a change of settings)."""
    for name in STAGES:
        fingerprint(name)
    want = {"stages", "text"} if isinstance(checked, tuple) and "text" in checked[1] else {"stages"}
    if not want <= _warmed:
        extract.warm_up({"plan": checked})
        _warmed.update(want)


def isolated(job: PlanJob, work: workers.Work, run: RunContext) -> Any:
    """The work in a process of its own with the plan's limits, as locally (a `Result`-like value or the plan's
    `PipelineError`); in this process when it may not start one."""
    limits = task_limits(run.limits)
    if not may_start_processes():
        return in_this_process(job, work, run.log_dir)
    pool = workers.WorkerPool(1, limits, run.log_dir)
    try:
        pool.start(job, work, None)
        while True:
            for _, outcome in pool.wait():
                return outcome
    finally:
        pool.stop()


def task_limits(limits: workers.Limits) -> workers.Limits:
    """The run's limits; without a memory limit, the local default applied to this worker: `MEMORY_SHARE` of its
    memory limit (else of the machine's) split between its threads."""
    if limits.max_memory is not None:
        return limits
    try:
        from distributed import get_worker

        worker = get_worker()
        memory, threads = worker.memory_manager.memory_limit or 0, max(1, worker.state.nthreads)
    except (ImportError, ValueError, AttributeError):
        memory, threads = 0, 1
    if not memory:
        return replace(limits, max_memory=workers.default_max_memory(threads))
    return replace(limits, max_memory=max(workers.MIN_MEMORY, int(memory * workers.MEMORY_SHARE / threads)))


_fallback_warned = False


def may_start_processes() -> bool:
    """Whether this process may start the plan's process: not daemonic, or its daemon flag cleared (a daemonic
    Dask worker: the flag only forbids children; plan processes die with the worker anyway)."""
    global _fallback_warned
    proc = multiprocessing.current_process()
    if not proc.daemon:
        return True
    try:
        proc.daemon = False
    except (AssertionError, AttributeError, ValueError):
        if not _fallback_warned:
            log.warning("this Dask worker is a daemonic process: plans run in it, without --timeout and --max-memory")
            _fallback_warned = True
        return False
    return True


def in_this_process(job: PlanJob, work: workers.Work, log_dir: Path) -> Any:
    """The work run here, its failures reported as a plan's process reports them."""
    try:
        return work(lambda name, total: lambda n: None)
    except MemoryError:
        return MemoryLimitError("needed more memory than the worker had")
    except PipelineError as e:
        return e
    except Exception:
        return workers.internal_error(job.plan_id, log_dir, traceback.format_exc())


def committed_by(out: Path, plan_id: str, stamp: RunStamp) -> bool:
    """Whether this run already committed the plan (a task run again after its worker was lost past its commit)."""
    manifest = extract.read_manifest(out, plan_id)
    return manifest is not None and manifest.get("run_id") == stamp.run_id


def sees_marker(marker: Path) -> bool:
    try:
        return marker.read_text(encoding="utf-8") == marker.name
    except OSError:
        return False


def not_shared(out: Path, worker: str) -> OutputError:
    return OutputError(
        f"the Dask worker {worker} does not see the run's marker file in the output folder: the output folder "
        "must be on a filesystem every worker sees",
        file=str(out),
        expected="a folder shared with every worker",
    )


def worker_name() -> str:
    """The Dask worker's address (else host and process id)."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"{socket.gethostname()}:{os.getpid()}"


class Collector(logging.Handler):
    """Keeps the `pipeline` log records made (or forwarded from a plan's process) in one thread."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if threading.get_ident() != self.thread or record.name.partition(".")[0] != "pipeline":
            return
        r = copy.copy(record)
        if record.exc_info:
            r.exc_text = logging.Formatter().formatException(record.exc_info)
        r.msg, r.args, r.exc_info = record.getMessage(), None, None
        self.records.append(r)


@contextlib.contextmanager
def collected_logs() -> Iterator[list[logging.LogRecord]]:
    handler = Collector()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)


# ---------------------------------------------------------------- on the client


def on_cluster(scheduler: str) -> Callable[..., list[Result]]:
    """`extract_plans` (same arguments) run on the cluster `scheduler` names; a malformed address, or Dask not
    installed, fails here with a `PipelineError`."""
    parse_scheduler(scheduler)
    if importlib.util.find_spec("distributed") is None:
        raise PipelineError(
            "--scheduler needs Dask", expected="the cluster extra: pip install 'plan-pipeline[cluster]' (make setup)"
        )
    return functools.partial(extract_plans_distributed, scheduler=scheduler)


def extract_plans_distributed(
    jobs: list[PlanJob],
    out: Path,
    scheduler: str,
    *,
    limits: workers.Limits | None = None,
    on_result: Callable[[PlanJob, Result], None] | None = None,
    force: bool = False,
    on_stage: Callable[[PlanJob], OnStage] | None = None,
    n_jobs: int = 1,
) -> list[Result]:
    """`extract_plans` on the Dask cluster `scheduler` names (see the module's docstring): the same results, the
    same output, one task per stale plan.

    `n_jobs`: as locally, the processes a lone stale plan's pages are parsed over (in its task). `limits`: each
    plan's limits (`max_memory` None: half the worker's memory limit split between its threads). `on_stage` is
    taken for parity: stage progress is not sent back from the workers, each plan is reported as it ends. With
    nothing to redo, no scheduler is contacted."""
    out = Path(out)
    store.check_writable(out, need_bytes=extract.output_space_needed(jobs))
    with store.locked(out):
        store.recover(out)
        cache.clean_orphans(out)
        run = runlog.RunLog.start(out)
        try:
            stages.fingerprint.cache_clear()  # the code on disk, as the workers will run it (and the check compares)
            checked = {j.plan_id: extract.check_job(j, out, force) for j in jobs}
            if not any(extract.needs_worker(c) for c in checked.values()):
                return without_tasks(jobs, checked, run, on_result)
            with connect(scheduler) as client, shared_marker(out) as marker:
                context = RunContext(
                    out=out.absolute(),
                    log_dir=run.log_dir.absolute(),
                    marker=marker,
                    stamp=RunStamp.of(run),
                    config=RunConfig.current(),
                    limits=limits or workers.Limits(),
                )
                check_workers(client, context, jobs)
                return ClusterRun(client, jobs, checked, context, force, n_jobs, run, on_result).run()
        finally:
            run.finish()


def without_tasks(
    jobs: list[PlanJob],
    checked: dict[str, Checked],
    run: runlog.RunLog,
    on_result: Callable[[PlanJob, Result], None] | None,
) -> list[Result]:
    """Every plan up to date, or failed before any parsing: reported here."""
    results = [extract.immediate_result(j, checked[j.plan_id]) for j in jobs]
    for job, res in zip(jobs, results, strict=True):
        run.add(job, res)
        if on_result:
            on_result(job, res)
    return results


@contextlib.contextmanager
def shared_marker(out: Path) -> Iterator[Path]:
    """A marker file in the output folder (named, and holding, a fresh token) for the run's workers to find."""
    for old in out.glob(f"{MARKER}.*"):  # a killed run's (this run holds the folder)
        old.unlink(missing_ok=True)
    path = out.absolute() / f"{MARKER}.{uuid.uuid4().hex}"
    path.write_text(path.name, encoding="utf-8")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def check_workers(client: Client, run: RunContext, jobs: list[PlanJob]) -> None:
    """Fail fast unless every connected worker (or the first to join) sees the output folder and the PDFs' folders
    and runs the same pipeline code, libraries and settings as this client."""
    folders = sorted({str(j.pdf.absolute().parent) for j in jobs})
    addresses: list[str | None] = list(client.nthreads()) or [None]
    if addresses == [None]:
        log.info("waiting for a Dask worker to join the scheduler")
    futures = [  # each pinned to its worker, loosely: a worker that leaves meanwhile does not hold the run
        client.submit(
            probe, run, folders, key=f"probe-{i}-{run.stamp.run_id}", workers=a, allow_other_workers=True, pure=False
        )
        for i, a in enumerate(addresses)
    ]
    mine = {s: fingerprint(s) for s in PERSISTED}
    for report in client.gather(futures):
        judge(report, run.out, mine)


def judge(report: dict[str, Any], out: Path, fingerprints: dict[str, str]) -> None:
    worker = report["worker"]
    if not report["shared"]:
        raise not_shared(out, worker)
    if report["missing"]:
        raise PipelineError(
            f"the Dask worker {worker} does not see the PDFs' folder {quoted(report['missing'][0])}: the PDFs "
            "must be on a filesystem every worker sees"
        )
    differ = [s for s in PERSISTED if report["fingerprints"].get(s) != fingerprints[s]]
    if differ:
        raise PipelineError(
            f"the Dask worker {worker} runs other pipeline code, libraries or settings than this process (stages "
            f"{', '.join(differ)}): install the same version of the pipeline everywhere"
        )


def in_dependency_order(jobs: list[PlanJob]) -> list[PlanJob]:
    """The jobs, each revision after the plan it revises (when that is among them)."""
    ids = {j.plan_id for j in jobs}
    order: list[PlanJob] = []
    placed: set[str] = set()
    pending = list(jobs)
    while pending:
        ready = [j for j in pending if j.revision_of not in ids or j.revision_of in placed | {j.plan_id}]
        for j in ready or pending:  # none ready: a cycle, left as given
            order.append(j)
            placed.add(j.plan_id)
        pending = [j for j in pending if j.plan_id not in placed]
    return order


def lost(job: PlanJob, exc: BaseException | None) -> PipelineError:
    """The error of a plan whose task failed twice, or whose worker was lost twice."""
    if type(exc).__name__ == "KilledWorker":
        return WorkerDiedError("its Dask worker was lost twice (killed, or out of memory)", file=str(job.pdf))
    return InternalError(
        f"internal error, please report: its task failed twice on the cluster ({type(exc).__name__}: {exc})",
        file=str(job.pdf),
    )


def replay(records: list[logging.LogRecord]) -> None:
    """A worker's log records, shown here as this process's own."""
    for r in records:
        logger = logging.getLogger(r.name)
        if logger.isEnabledFor(r.levelno):
            logger.handle(r)


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")


class ClusterRun:
    """One run's tasks: submitted, collected as they end, submitted again where a plan needs it."""

    def __init__(
        self,
        client: Client,
        jobs: list[PlanJob],
        checked: dict[str, Checked],
        context: RunContext,
        force: bool,
        n_jobs: int,
        log: runlog.RunLog,
        on_result: Callable[[PlanJob, Result], None] | None,
    ):
        self.client, self.context, self.force, self.log, self.on_result = client, context, force, log, on_result
        self.given = {j.plan_id: j for j in jobs}  # as given: error lines and the run log name the files so
        self.jobs = {j.plan_id: replace(j, pdf=j.pdf.absolute()) for j in jobs}
        self.checked = checked
        stale = sum(extract.needs_worker(c) for c in self.checked.values())
        self.page_jobs = n_jobs if stale == 1 else 1
        self.ocr_chunk = OCR_CHUNK if ocr.mode() != "never" else 0
        self.pending: dict[str, tuple[str, str]] = {}  # task key -> (plan_id, "plan" or "ocr")
        self.plan_futures: dict[str, Future[Outcome]] = {}
        self.waits_on: dict[str, list[Future[Outcome]]] = {}
        self.parsed_first: set[str] = set()  # plans whose PDF a first task parsed before OCR tasks
        self.results: dict[str, Result] = {}
        self.tries = 0
        from distributed import as_completed

        self.done: as_completed = as_completed()

    def run(self) -> list[Result]:
        try:
            self.submit_all()
            for fut in self.done:
                self.collect(fut)
        except BaseException:
            self.client.cancel([f for f in self.plan_futures.values() if not f.done()])
            raise
        return [self.results[p] for p in self.given]

    def submit_all(self) -> None:
        for job in in_dependency_order(list(self.given.values())):
            c = self.checked[job.plan_id]
            base = self.plan_futures.get(job.revision_of or "") if job.revision_of != job.plan_id else None
            if extract.needs_worker(c) or (base is not None and not isinstance(c, PipelineError)):
                self.submit_plan(job.plan_id, [base] if base is not None else [], self.ocr_chunk)
            else:
                self.finish(job.plan_id, extract.immediate_result(job, c), None)

    def key(self, kind: str, plan_id: str) -> str:
        self.tries += 1
        return f"{kind}-{plan_id}-{self.tries}-{self.context.stamp.run_id}"

    def submit_plan(self, plan_id: str, after: list[Future[Outcome]], ocr_chunk: int) -> None:
        task = PlanTask(self.jobs[plan_id], self.checked[plan_id], self.context, self.force, self.page_jobs, ocr_chunk)
        fut = self.client.submit(plan_task, task, *after, key=self.key("plan", plan_id), retries=1, pure=False)
        self.track(fut, plan_id, "plan")
        self.plan_futures[plan_id] = fut
        self.waits_on[plan_id] = after

    def submit_ocr(self, plan_id: str, need: OcrNeeded) -> None:
        job, chunk = self.jobs[plan_id], max(1, self.ocr_chunk)
        checked = self.checked[plan_id]
        sha = checked[0] if isinstance(checked, tuple) else ""
        folder = ocr.page_cache(need.cache_dir, sha, settings_for("ocr"))
        futures = []
        for i in range(0, len(need.pages), chunk):
            task = OcrTask(job, need.pages[i : i + chunk], folder, self.context)
            fut = self.client.submit(ocr_task, task, key=self.key("ocr", plan_id), retries=1, pure=False)
            self.track(fut, plan_id, "ocr")
            futures.append(fut)
        log.info("%s: %d pages to OCR, in %d tasks", plan_id, len(need.pages), len(futures))
        if need.parsed:
            self.parsed_first.add(plan_id)
        self.submit_plan(plan_id, futures, 0)

    def track(self, fut: Future[Outcome], plan_id: str, kind: str) -> None:
        self.pending[str(fut.key)] = (plan_id, kind)
        self.done.add(fut)

    def collect(self, fut: Future[Outcome]) -> None:
        plan_id, kind = self.pending.pop(str(fut.key))
        if kind == "ocr":
            self.ocr_done(plan_id, fut)
            return
        outcome = self.outcome(plan_id, fut)
        if outcome is None:
            return
        value = outcome.value
        if isinstance(value, OcrNeeded):
            replay(outcome.records)
            self.submit_ocr(plan_id, value)
        elif isinstance(value, Waiting):
            base = self.plan_futures[self.given[plan_id].revision_of or ""]
            self.submit_plan(plan_id, [base], self.ocr_chunk)
        else:
            self.finish(plan_id, value, outcome)

    def outcome(self, plan_id: str, fut: Future[Outcome]) -> Outcome | None:
        """A plan task's outcome; None when it failed (then run again on its own, or reported)."""
        if fut.status != "error":
            result: Outcome = fut.result()
            return result
        if any(d.status == "error" for d in self.waits_on[plan_id]):
            # what it waited for was lost: its base plan has ended (failed), its pages are OCR'd in its own task
            self.submit_plan(plan_id, [], 0)
            return None
        self.finish(plan_id, Result(plan_id, "failed", error=lost(self.given[plan_id], fut.exception())), None)
        return None

    def ocr_done(self, plan_id: str, fut: Future[Outcome]) -> None:
        if fut.status == "error":
            log.warning("%s: an OCR task was lost (%s); the plan OCRs its pages itself", plan_id, fut.exception())
            return
        outcome: Outcome = fut.result()
        replay(outcome.records)
        if isinstance(outcome.value, OutputError):
            raise outcome.value
        if isinstance(outcome.value, PipelineError):
            log.warning("%s: OCR task failed (%s); the plan OCRs those pages itself", plan_id, outcome.value)

    def finish(self, plan_id: str, value: Any, outcome: Outcome | None) -> None:
        given = self.given[plan_id]
        res = value if isinstance(value, Result) else Result(plan_id, "failed", error=value)
        if res.error is not None and res.error.file in (None, str(self.jobs[plan_id].pdf)):
            res.error.file = str(given.pdf)
        res.parsed = res.parsed or plan_id in self.parsed_first
        if outcome is not None:
            replay(outcome.records)
        self.results[plan_id] = res
        self.log.add(given, res)
        if outcome is not None:
            self.log.plans[-1].update(
                worker=outcome.worker, task_started=iso(outcome.started), task_finished=iso(outcome.finished)
            )
        if self.on_result:
            self.on_result(given, res)
        if isinstance(res.error, OutputError):
            raise res.error
