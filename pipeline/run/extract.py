"""Plans end to end, incrementally: PDF -> every dataset, redoing only what changed.

For each plan a manifest (`<out>/.manifests/<plan_id>.json`, committed with its datasets)
records the PDF's SHA-256, its registry row and each stage's fingerprint (`stages.py`). A
rerun compares them: an unchanged plan is not touched (its PDF is not even parsed); a
code change redoes the stages it affects, reading the other stages' output back; a
changed PDF is redone whole. Parsed pages are cached by SHA-256 (`cache.py`), so a renamed
or copied PDF is not parsed again. With `jobs > 1`, pages are parsed in worker processes,
plans and pages alike, and the rest runs in order in this process: the output is the
same whatever the number of jobs.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import multiprocessing
import os
import resource
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.errors import OutputError, PipelineError, UnreadableFileError
from pipeline.pdf import cache, ingest
from pipeline.pdf.model import PageData, ParsedPdf
from pipeline.run import runlog, workers
from pipeline.run.stages import PERSISTED, PRODUCER, STAGES, Rows, Stage, downstream_closure, fingerprint
from pipeline.settings import settings_for
from pipeline.storage import store
from pipeline.storage.registry import PlanJob
from pipeline.storage.schema import rows_to_table

log = logging.getLogger(__name__)

MANIFESTS = ".manifests"
RUN_COLUMNS = ("run_id", "extracted_at")  # the `documents` columns naming the run that wrote the row (differ per run)

# Set by a cluster run (cluster.py) in a plan's process: sees the parsed PDF (and the OCR cache folder) before
# its pages are OCR'd, to hand them to OCR tasks of their own (it raises to stop the plan) or leave them here.
OCR_GATE: ContextVar[Callable[[ParsedPdf, Path, bool], None] | None] = ContextVar("OCR_GATE", default=None)


@dataclass(frozen=True)
class RunStamp:
    """The run that commits a plan: its id (`<out>/_runs/<run_id>.json`) and start time (ISO 8601, UTC)."""

    run_id: str
    at: str

    @classmethod
    def of(cls, run: runlog.RunLog) -> RunStamp:
        return cls(run.run_id, run.started)

    def on(self, dataset: str, rows: Rows) -> Rows:
        """The rows with the run's columns filled in (`documents`; other datasets as they are)."""
        if dataset != "documents":
            return rows
        return [{**r, "run_id": self.run_id, "extracted_at": self.at} for r in rows]


@dataclass
class Result:
    plan_id: str
    status: str  # extracted / up to date / failed
    stages: list[str] = field(default_factory=list)
    parsed: bool = False  # the PDF was parsed (not read from the cache)
    read_pages: bool = False  # parsed pages were used (parsed, or read from the cache)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    peak_mb: dict[str, float] = field(default_factory=dict)
    error: PipelineError | None = None


class StageTimer:
    """Times each stage and reports stage starts to an optional progress callback."""

    def __init__(self, on_stage: Callable[[str, int], Callable[[int], None]] | None = None):
        self.on_stage = on_stage
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # CPU seconds of this process per stage
        self.peak_mb: dict[str, float] = {}  # this process's peak resident memory when the stage ended

    def start(self, name: str, total: int = 1) -> Callable[[int], None]:
        self._name, self._t0, self._c0 = name, time.perf_counter(), time.process_time()
        return self.on_stage(name, total) if self.on_stage else (lambda n: None)

    def restart(self, total: int) -> Callable[[int], None]:
        """The running stage again, now with a known amount of work (pages), from the same start time."""
        t0, c0 = self._t0, self._c0
        tick = self.start(self._name, total)
        self._t0, self._c0 = t0, c0
        return tick

    def stop(self) -> None:
        self.seconds[self._name] = round(self.seconds.get(self._name, 0) + time.perf_counter() - self._t0, 4)
        self.cpu[self._name] = round(self.cpu.get(self._name, 0) + time.process_time() - self._c0, 4)
        self.peak_mb[self._name] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ---------------------------------------------------------------- manifests and staleness


def manifest_path(out: Path, plan_id: str) -> Path:
    return Path(out) / MANIFESTS / f"{plan_id}.json"


def read_manifest(out: Path, plan_id: str) -> dict[str, Any] | None:
    p = manifest_path(out, plan_id)
    try:
        data = json.loads(p.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def plan_fingerprint(manifest: dict[str, Any] | None) -> str | None:
    if not manifest:
        return None
    key = {"sha": manifest.get("source_sha256"), "stages": manifest.get("stages"), "registry": manifest.get("registry")}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def stale_stages(job: PlanJob, sha: str, out: Path, force: bool = False) -> set[str]:
    """The persisted stages a plan must redo: all for a new or changed PDF, else those whose inputs changed."""
    m = read_manifest(out, job.plan_id)
    if force or m is None or m.get("source_sha256") != sha:
        return set(PERSISTED)
    stale = {s for s in PERSISTED if m.get("stages", {}).get(s) != fingerprint(s)}
    if m.get("registry") != job.registry:
        stale |= {s for s in PERSISTED if STAGES[s].uses_registry}
    for s in PERSISTED:
        if any(not (store.partition_dir(out, d, job.plan_id) / store.PART).exists() for d in STAGES[s].writes):
            stale.add(s)
    if m.get("changes_base") != base_fingerprint(job, out):
        stale |= {s for s in PERSISTED if STAGES[s].uses_base}
    return downstream_closure(stale)


def base_fingerprint(job: PlanJob, out: Path) -> str | None:
    """What the plan this one revises is, as extracted: its manifest's fingerprint (None: none, or not extracted)."""
    return plan_fingerprint(read_manifest(out, job.revision_of)) if job.revision_of else None


def needs_pdf(stale: set[str]) -> bool:
    """Whether redoing these stages reads the PDF (some stage among them reads the parsed pages)."""
    return any(_reads_pdf(STAGES[s]) for s in stale)


def _reads_pdf(stage: Stage) -> bool:
    return "pdf" in stage.writes or any(_reads_pdf(PRODUCER[r]) for r in stage.reads if not PRODUCER[r].persisted)


# ---------------------------------------------------------------- parsing, in this process or in workers


@dataclass
class Submitted:
    """A PDF whose pages are being parsed: its page count, metadata and chunks (None: parsed here)."""

    count: int
    metadata: dict[str, Any]
    work: list[tuple[list[int], Future[list[tuple[Any, ...]]] | None]]


class Parser:
    """Parses PDFs page by page; with jobs > 1, in jobs - 1 worker processes and this one.

    Pages go in small chunks (they differ a lot in cost: tables, boxes); every jobs-th chunk
    is parsed here while the workers take the others, so no core waits."""

    def __init__(self, jobs: int = 1):
        self.jobs = max(1, jobs)
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Parser:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def submit(self, path: Path) -> Submitted | None:
        """Start parsing in workers; None when parsing will happen in this process alone."""
        if self.jobs == 1:
            return None
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=self.jobs - 1,
                mp_context=multiprocessing.get_context("fork"),
                initializer=workers.die_with_parent,
                initargs=(os.getpid(),),
            )
            # the first conversion to Arrow imports pandas (~0.5 s): do it while pages are parsed
            threading.Thread(target=_warm_up, daemon=True).start()
        count, metadata = ingest.document_info(path)
        size = max(4, -(-count // (self.jobs * 6)))
        chunks = [list(range(a, min(count, a + size - 1) + 1)) for a in range(1, count + 1, size)]
        active, engine = settings_for("ingest"), ingest.active_engine()
        work = [
            (c, None if i % self.jobs == 0 else self.pool.submit(ingest.parse_chunk, str(path), c, active, engine))
            for i, c in enumerate(chunks)
        ]
        return Submitted(count, metadata, work)

    @staticmethod
    def collect(path: Path, sha: str, submitted: Submitted, tick: Callable[[int], None]) -> ParsedPdf:
        pages: list[PageData] = []
        for numbers, fut in submitted.work:
            if fut is None:
                pages.extend(ingest.parse_pages(path, numbers, keep_open=True))
            else:
                pages.extend(ingest.unpack_pages(fut.result()))
            tick(len(numbers))
        ingest.close_kept()
        return ParsedPdf(
            path=str(path), sha256=sha, page_count=submitted.count, metadata=submitted.metadata, pages=pages
        )


def _store_cache(out: Path, doc: ParsedPdf, key: str) -> None:
    try:
        cache.store(out, doc, key)
    except Exception as e:  # the cache only saves time: a plan never fails for it
        log.warning("%s: parsed pages not cached (%s)", Path(doc.path).name, e)


def _warm_up() -> None:
    import pyarrow as pa

    pa.array([0.0])  # pyarrow imports pandas on its first conversion (~0.5 s)


# ---------------------------------------------------------------- one plan


def read_rows(out: Path, dataset: str, plan_id: str) -> Rows:
    t = store.read_partition(out, dataset, plan_id)
    return t.to_pylist() if t is not None else []


class PlanRun:
    """One plan's run: the artefacts and datasets produced so far, each made (or read back) on first use.

    A persisted stage that is not stale is not run: what it wrote last time is read back when a
    later stage asks for it. The PDF is parsed only when a stage to redo needs it."""

    def __init__(
        self, job: PlanJob, out: Path, sha: str, stale: set[str], submitted: Any = None, timer: StageTimer | None = None
    ):
        self.job, self.out, self.sha, self.stale, self.submitted = job, out, sha, stale, submitted
        self.timer = timer or StageTimer()
        self.values: dict[str, Any] = {}
        self.parsed = False
        self.caching: threading.Thread | None = None

    def get(self, name: str) -> Any:
        if name not in self.values:
            stage = PRODUCER[name]
            if stage.persisted and stage.name not in self.stale:
                self.values[name] = read_rows(self.out, name, self.job.plan_id)
            else:
                self.run_stage(stage)
        return self.values[name]

    def run_stage(self, stage: Stage) -> None:
        for r in stage.reads:  # inputs first, so each stage's time is its own
            self.get(r)
        self.timer.start(stage.name)
        self.values.update(stage.run(self))
        self.timer.stop()

    def parse(self) -> ParsedPdf:
        """The parsed PDF: from the ingest cache, the workers' chunks, or parsed here with page progress."""
        key = fingerprint("ingest")
        doc = cache.load(self.out, self.sha, str(self.job.pdf), key)
        if doc is None:
            if self.submitted is not None:
                doc = Parser.collect(self.job.pdf, self.sha, self.submitted, self.timer.restart(1))
            else:
                info = ingest.document_info(self.job.pdf)
                doc = ingest.run(self.job.pdf, progress=self.timer.restart(info[0]), sha=self.sha, info=info)
            self.parsed = True
        else:  # read from the cache: its page count (and with it the plan's time limit) is known all the same
            self.timer.restart(doc.page_count)(doc.page_count)
        if self.parsed:  # written alongside the next stages (Parquet writing releases the GIL)
            self.caching = threading.Thread(target=_store_cache, args=(self.out, doc, key), daemon=True)
            self.caching.start()
        from pipeline.pdf import ocr  # pages without a usable text layer read from their image (--ocr)

        ocr_cache = self.out / ".cache" / "ocr"
        gate = OCR_GATE.get()
        if gate is not None:
            gate(doc, ocr_cache, self.parsed)
        return ocr.apply_ocr(doc, cache_dir=ocr_cache)

    def base(self, name: str) -> Rows | None:
        base_id = self.job.revision_of
        if not base_id or read_manifest(self.out, base_id) is None:
            return None
        return read_rows(self.out, name, base_id)


def run_plan(
    job: PlanJob,
    out: Path,
    sha: str,
    stale: set[str],
    submitted: Any = None,
    on_stage: OnStage | None = None,
    stamp: RunStamp | None = None,
) -> Result:
    """Redo a plan's stale stages, in order, and commit their datasets with the plan's manifest.

    `documents` (when redone) and the manifest name the run (`stamp`; default: a run of its own)."""
    stamp = stamp or RunStamp.of(runlog.RunLog.start(out))
    run = PlanRun(job, out, sha, stale, submitted, StageTimer(on_stage))
    for stage in STAGES.values():
        if stage.name in stale:
            run.run_stage(stage)
    run.timer.start("write")
    if run.caching is not None:
        run.caching.join()
    datasets = {
        d: rows_to_table(d, stamp.on(d, run.values[d])) for s in PERSISTED if s in stale for d in STAGES[s].writes
    }
    manifest = {
        "plan_id": job.plan_id,
        "source_file": job.pdf.name,
        "source_sha256": sha,
        "registry": job.registry,
        "pipeline_version": __version__,
        "stages": {s: fingerprint(s) for s in PERSISTED},
        "changes_base": base_fingerprint(job, out),
        "run_id": stamp.run_id,
    }
    files = {f"{MANIFESTS}/{job.plan_id}.json": json.dumps(manifest, ensure_ascii=False, indent=1).encode()}
    try:
        store.write_plan(out, job.plan_id, datasets, extra_files=files)
    except OSError as e:
        raise OutputError(f"cannot write the plan's output ({e.strerror or e})", file=str(out)) from None
    run.timer.stop()
    return Result(
        plan_id=job.plan_id,
        status="extracted",
        stages=[s for s in PERSISTED if s in stale],
        parsed=run.parsed,
        read_pages="pdf" in run.values,
        counts={n: t.num_rows for n, t in datasets.items()},
        seconds=run.timer.seconds,
        cpu=run.timer.cpu,
        peak_mb=run.timer.peak_mb,
    )


# ---------------------------------------------------------------- many plans


OnStage = Callable[[str, int], Callable[[int], None]]
Checked = tuple[str, set[str]] | PipelineError  # (the PDF's SHA-256, its stale stages), or why it cannot run


def check_job(job: PlanJob, out: Path, force: bool) -> Checked:
    """A plan's PDF is readable: its SHA-256 and the stages to redo; else the error to report.

    Safe on any input (a folder, a device, a looping link): nothing is parsed, only a regular
    file's bytes are read."""
    try:
        if job.error is not None:
            raise job.error
        check_input(job.pdf)
        ingest.check_file(job.pdf)
        sha = ingest.file_sha256(job.pdf)
        return sha, stale_stages(job, sha, out, force)
    except PipelineError as e:
        return e
    except OSError as e:  # the file changed between the checks
        return UnreadableFileError(f"cannot be read ({e.strerror or e})", file=str(job.pdf))


def check_input(path: Path) -> None:
    """A plan's input is a regular file this process may read; else `UnreadableFileError` saying what it is."""
    try:
        st = path.stat()  # follows links: a broken or looping link fails here
    except FileNotFoundError:
        raise UnreadableFileError("no such file", file=str(path)) from None
    except OSError as e:
        raise UnreadableFileError(f"cannot be read ({e.strerror or e})", file=str(path)) from None
    if stat.S_ISDIR(st.st_mode):
        raise UnreadableFileError("is a folder, not a PDF file", file=str(path), expected="a PDF file")
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFileError("is not a regular file (a device, pipe or socket)", file=str(path))
    if not os.access(path, os.R_OK):
        raise UnreadableFileError("cannot be read (permission denied)", file=str(path))


def submit_parses(parser: Parser, jobs: list[PlanJob], checked: dict[str, Checked], out: Path) -> dict[str, Any]:
    """Start every parse the run will need (PDFs not in the ingest cache), so workers stay busy."""
    submitted: dict[str, Any] = {}
    for job in jobs:
        c = checked[job.plan_id]
        if isinstance(c, tuple) and needs_pdf(c[1]) and cache.load_meta(out, c[0], fingerprint("ingest")) is None:
            try:
                submitted[job.plan_id] = parser.submit(job.pdf)
            except PipelineError as e:
                checked[job.plan_id] = e
    return submitted


def run_job(
    job: PlanJob,
    out: Path,
    checked: Checked,
    submitted: Any,
    force: bool,
    on_stage: OnStage | None,
    stamp: RunStamp | None = None,
) -> Result:
    """One plan: up to date, extracted, or failed with its error."""
    try:
        if isinstance(checked, PipelineError):
            raise checked
        sha = checked[0]
        stale = stale_stages(job, sha, out, force)  # again: the plan it revises may have just changed
        if not stale:
            return Result(plan_id=job.plan_id, status="up to date")
        return run_plan(job, out, sha, stale, submitted, on_stage, stamp)
    except PipelineError as e:
        return Result(plan_id=job.plan_id, status="failed", error=e)


def plan_work(
    job: PlanJob, out: Path, checked: Checked, force: bool, page_jobs: int, stamp: RunStamp | None = None
) -> workers.Work:
    """What a plan's worker does: parse (its pages over `page_jobs` processes), run the stale stages, commit."""

    def work(on_stage: OnStage) -> Result:
        with Parser(page_jobs) as parser:
            submitted = submit_parses(parser, [job], {job.plan_id: checked}, out) if page_jobs > 1 else {}
            return run_job(job, out, checked, submitted.get(job.plan_id), force, on_stage, stamp)

    return work


@dataclass
class Batch:
    """The plans of one run, started in order as workers free up; a revision only once its base is done."""

    jobs: list[PlanJob]
    checked: dict[str, Checked]
    results: dict[str, Result] = field(default_factory=dict)

    def next_ready(self, running: set[str]) -> PlanJob | None:
        waiting = {j.plan_id for j in self.jobs if j.plan_id not in self.results}
        for job in self.jobs:
            if job.plan_id in self.results or job.plan_id in running:
                continue
            if job.revision_of in waiting and job.revision_of != job.plan_id:
                continue  # its base plan is still to be done
            return job
        return None

    def stale_count(self) -> int:
        return sum(isinstance(c, tuple) and bool(c[1]) for c in self.checked.values())


def needs_worker(checked: Checked) -> bool:
    """Whether a plan has work to do in a worker (not: an error found before, or up to date)."""
    return not isinstance(checked, PipelineError) and bool(checked[1])


def recheck(job: PlanJob, checked: Checked, out: Path, force: bool) -> Checked:
    """A revision's stale stages again when it is its turn: the plan it revises may have just been redone."""
    if isinstance(checked, PipelineError) or not job.revision_of:
        return checked
    return checked[0], stale_stages(job, checked[0], out, force)


def immediate_result(job: PlanJob, checked: Checked) -> Result:
    if isinstance(checked, PipelineError):
        return Result(plan_id=job.plan_id, status="failed", error=checked)
    return Result(plan_id=job.plan_id, status="up to date")


def warm_up(checked: dict[str, Checked]) -> None:
    """Load here, once, what the workers share when a plan has work to do (a worker would redo it for each plan,
    seconds): every stage's fingerprint (a new plan's staleness needs none), the stages' modules and the libraries
    they import (pandas, through pyarrow), and the text stage's dictionaries when a plan will run it."""
    if not any(needs_worker(c) for c in checked.values()):
        return
    for stage in STAGES.values():
        fingerprint(stage.name)
        importlib.import_module(stage.module)
    _warm_up()
    if any(isinstance(c, tuple) and "text" in c[1] for c in checked.values()):
        from pipeline.enrich import nlp

        nlp.warm_up()


def extract_plans(
    jobs: list[PlanJob],
    out: Path,
    n_jobs: int = 1,
    force: bool = False,
    on_stage: Callable[[PlanJob], OnStage] | None = None,
    on_result: Callable[[PlanJob, Result], None] | None = None,
    limits: workers.Limits | None = None,
) -> list[Result]:
    """Extract plans, each in a worker process of its own with its limits (a revision after the plan it revises).

    One plan's failure, of whatever kind, is that plan's result; the others go on. A problem with
    the output folder itself (not writable, full, in use by another run) raises `OutputError`
    before any plan is parsed."""
    out = Path(out)
    store.check_writable(out, need_bytes=output_space_needed(jobs))
    limits = limits or workers.Limits(max_memory=workers.default_max_memory(n_jobs))
    with store.locked(out):
        store.recover(out)
        cache.clean_orphans(out)
        run = runlog.RunLog.start(out)
        batch = Batch(jobs, {job.plan_id: check_job(job, out, force) for job in jobs})
        warm_up(batch.checked)
        page_jobs = n_jobs if batch.stale_count() == 1 else 1
        pool = workers.WorkerPool(n_jobs, limits, run.log_dir)

        def finish(job: PlanJob, res: Result) -> None:
            batch.results[job.plan_id] = res
            run.add(job, res)
            if on_result:
                on_result(job, res)

        try:
            while len(batch.results) < len(jobs):
                while not pool.full():
                    job = batch.next_ready(set(pool.running))
                    if job is None:
                        break
                    c = batch.checked[job.plan_id] = recheck(job, batch.checked[job.plan_id], out, force)
                    if needs_worker(c):
                        work = plan_work(job, out, c, force, page_jobs, RunStamp.of(run))
                        pool.start(job, work, on_stage(job) if on_stage else None)
                    else:
                        finish(job, immediate_result(job, c))
                for job, outcome in pool.wait():
                    res = outcome if isinstance(outcome, Result) else Result(job.plan_id, "failed", error=outcome)
                    finish(job, res)
                    if isinstance(res.error, OutputError):
                        raise res.error
        finally:
            pool.stop()
            run.finish()
        describe_output(out)
    return [batch.results[j.plan_id] for j in jobs]


def describe_output(out: Path) -> None:
    """Write the output's data package (`datapackage.json`) again; a run never fails for it."""
    from pipeline.storage.datapackage import write_datapackage

    try:
        write_datapackage(out)
    except Exception as e:
        log.warning("datapackage.json not written (%s)", e)


def output_space_needed(jobs: list[PlanJob]) -> int:
    """A floor on the free space a run needs: the PDFs' size (their parsed pages are cached) and some room."""
    size = 0
    for job in jobs:
        with contextlib.suppress(OSError):
            size += job.pdf.stat().st_size if job.pdf.is_file() else 0
    return 64 * 2**20 + size


def extract_plan(job: PlanJob, out: Path, on_stage: OnStage | None = None, force: bool = True) -> Result:
    """Extract one plan (everything, by default); raise its error if it fails."""
    res = extract_plans([job], out, force=force, on_stage=(lambda j: on_stage) if on_stage else None)[0]
    if res.error is not None:
        raise res.error
    return res


def prune(out: Path, keep: set[str]) -> list[str]:
    """Remove the partitions and manifests of plans not in `keep` (their PDFs are gone from the input)."""
    gone = []
    for m in sorted((Path(out) / MANIFESTS).glob("*.json")):
        if m.stem not in keep:
            store.remove_plan(out, m.stem)
            m.unlink()
            gone.append(m.stem)
    return gone
