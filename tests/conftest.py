"""Helpers and fixtures shared by the tests. Everything they need is in the repository.

Whole plans are extracted once per session (`fixture_out`, `communique_out`) by the command
line, in this process. Their output is kept between runs in pytest's cache folder
(`.pytest_cache/d/plan-pipeline/`, gitignored) together with the ingest cache (parsed pages),
and reused only when nothing that could change it has changed: the package's files (code,
data, schemas), the PDFs, the registry, the Python and the installed distributions. A warm
run copies that output into the session's folder and runs the extraction again, which must
find every plan up to date; anything else is extracted afresh (pages from the ingest cache).

The `corpus` marker (pyproject.toml) marks the slow tests: extractions of whole plans beyond
the session fixtures, subprocesses, the notebook, the wheel. `pytest -m "not corpus"` is the
quick suite; `make test` runs everything.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import runpy
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from pipeline.settings import Declared

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
FIXTURES = TESTS / "fixtures"
EXPECTED = FIXTURES / "expected"
SCORING = TESTS / "scoring"
DATA = TESTS / "data"
BUNDLED_PDF = ROOT / "raw" / "jindong-2021.pdf"
REVISION_PDF = FIXTURES / "jindong-2022-revision.pdf"
COMMUNIQUE_PDF = FIXTURES / "real" / "qiandongnan-2023-communique.pdf"
COMMUNIQUE_GOLD = FIXTURES / "real" / "qiandongnan-2023-communique.json"
PLANS = ["jindong-2021", "jindong-2022-revision"]
FIXTURE_PDFS = [BUNDLED_PDF, REVISION_PDF]

REGISTRY_HEADER = "file,plan_id,region,admin_level,period,edition,revision_of\n"
BUNDLED_ROW = "jindong-2021.pdf,jindong-2021,金华市金东区,district,2021-2025,,\n"  # as in raw/plans.csv
REVISION_ROW = (
    "jindong-2022-revision.pdf,jindong-2022-revision,金华市金东区,district,2021-2025,2022-06-30,jindong-2021\n"
)
FIXTURE_REGISTRY = REGISTRY_HEADER + BUNDLED_ROW + REVISION_ROW

sys.path.insert(0, str(TESTS))


# ---------------------------------------------------------------- reading output and expected files


def read(out: Path, dataset: str, plan_id: str | None = None) -> pd.DataFrame:
    path = Path(out) / dataset
    if plan_id is not None:
        path = path / f"plan_id={plan_id}"
    return pd.read_parquet(path)


@functools.cache
def expected(plan: str) -> dict:
    """The hand-checked outline, sidebars and indicator tables of a fixture plan (tests/fixtures/expected)."""
    return json.loads((EXPECTED / f"{plan}.json").read_text(encoding="utf-8"))


@functools.cache
def expected_values() -> list[dict]:
    """The hand-checked indicator value facts of the bundled plan."""
    return json.loads((EXPECTED / "jindong-2021-values.json").read_text(encoding="utf-8"))


def write_fixture_registry(folder: Path) -> Path:
    """The fixture plans' registry: the bundled plan as in raw/plans.csv, the 2022 PDF as its revision."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plans.csv"
    path.write_text(FIXTURE_REGISTRY, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the command line, in this process or not


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str  # what the command prints on stderr: error lines, progress and the pipeline's log


def cli(*args: str | Path) -> CliResult:
    """`python -m pipeline ARGS` run in this process (spaCy and friends imported once per session).

    What a run leaves in the process is undone: the settings a `--settings` file made active, the log levels."""
    from pipeline import settings
    from pipeline.cli import main

    active = settings.active_overrides()
    try:
        return _cli([str(a) for a in args], main)
    finally:
        if settings.active_overrides() != active:
            settings.use(active)


def _cli(argv: list[str], main) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("pipeline")
    level = logger.level
    logger.setLevel(logging.DEBUG if "-v" in argv else logging.WARNING if "-q" in argv else logging.INFO)
    logger.addHandler(handler)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as e:  # argparse: --help, --version, usage errors
                rc = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return CliResult(rc, out.getvalue(), err.getvalue())


def run_cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """The real entry point, `python -m pipeline ARGS`, in a subprocess (for the `corpus` tests): this checkout's
    package, whatever the working folder."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "pipeline", *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def extract_one(pdf: Path | str, out: Path) -> dict[str, pd.DataFrame]:
    res = cli("extract", pdf, "--out", out, "-q")
    assert res.returncode == 0, res.stderr
    plan = Path(pdf).stem
    names = ["documents", "pages", "outline", "paragraphs", "sidebars", "sidebar_items", "links"]
    return {n: read(out, n, plan) for n in names}


@functools.cache
def _score_tool(tool: str, args: tuple[str, ...]) -> str:
    argv, buf = sys.argv, io.StringIO()
    sys.argv = [tool, *args]
    try:
        with contextlib.redirect_stdout(buf):
            try:
                runpy.run_path(str(SCORING / tool), run_name="__main__")
            except SystemExit as e:
                assert not e.code, f"{tool} {' '.join(args)} exited with {e.code}:\n{buf.getvalue()}"
    finally:
        sys.argv = argv
    return buf.getvalue()


def score_tool(tool: str, *args: str | Path) -> str:
    """What a scoring tool of tests/scoring prints, run as a script in this process (once per arguments)."""
    return _score_tool(tool, tuple(map(str, args)))


def parsed_pdf(pdf: Path, out: Path | None = None):
    """A PDF's parsed pages (ingest's characters, rulings, shading): from the ingest cache of an extraction
    folder such as `fixture_out` when it holds them (no parse), else parsed here."""
    from pipeline.pdf import cache, ingest
    from pipeline.run.stages import fingerprint

    doc = cache.load(out, ingest.file_sha256(pdf), str(pdf), fingerprint("ingest")) if out is not None else None
    return doc if doc is not None else ingest.run(pdf)


def table_digest(table) -> str:
    """SHA-256 of a table's rows as sorted-key JSON: its content, whatever Parquet bytes pyarrow writes. The
    columns naming the run that wrote them (`documents.run_id`, `extracted_at`) differ per run: left out."""
    from pipeline.run.extract import RUN_COLUMNS

    table = table.drop_columns([c for c in RUN_COLUMNS if c in table.column_names])
    blob = json.dumps(table.to_pylist(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def same_parquet(a: Path, b: Path) -> bool:
    """Two Parquet files are byte-identical, or, for `documents`, byte-identical once the columns naming the run
    (`run_id`, `extracted_at`, which differ per run) are left out of both (the rest written again alike)."""
    import filecmp

    import pyarrow as pa
    import pyarrow.parquet as pq

    from pipeline.run.extract import RUN_COLUMNS

    if filecmp.cmp(a, b, shallow=False):
        return True

    def without_run(path: Path) -> bytes:
        table = pq.read_table(path)
        sink = pa.BufferOutputStream()
        pq.write_table(table.drop_columns([c for c in RUN_COLUMNS if c in table.column_names]), sink)
        return sink.getvalue().to_pybytes()

    names = pq.read_schema(a).names
    return any(c in names for c in RUN_COLUMNS) and without_run(a) == without_run(b)


def content_hashes(out: Path, plans: list[str]) -> dict[str, dict[str, dict[str, dict]]]:
    """plan -> stage -> dataset -> {rows, sha256} for every dataset the persisted stages write."""
    import pyarrow.parquet as pq

    from pipeline.run.stages import ALL
    from pipeline.storage.store import PART, partition_dir

    return {
        plan: {
            s.name: {
                d: {"rows": t.num_rows, "sha256": table_digest(t)}
                for d in s.writes
                for t in [pq.read_table(partition_dir(out, d, plan) / PART)]
            }
            for s in ALL
            if s.persisted
        }
        for plan in plans
    }


def differences(old: dict, new: dict) -> list[str]:
    """`plan/stage/dataset` for every dataset whose pinned hash or row count differs (or is new or gone)."""
    keys = {
        (p, s, d)
        for tree in (old, new)
        for p, stages in tree.items()
        for s, datasets in stages.items()
        for d in datasets
    }

    def get(tree: dict, p: str, s: str, d: str) -> dict | None:
        return tree.get(p, {}).get(s, {}).get(d)

    return [
        f"{p}/{s}/{d}: {get(old, p, s, d)} -> {get(new, p, s, d)}"
        for p, s, d in sorted(keys)
        if get(old, p, s, d) != get(new, p, s, d)
    ]


# ---------------------------------------------------------------- stages and settings


def downstream(name: str) -> set[str]:
    """The stage and every stage reading from it, directly or not."""
    from pipeline.run.stages import ALL, PRODUCER

    out = {name}
    for s in ALL:
        if any(PRODUCER[r].name in out for r in s.reads):
            out.add(s.name)
    return out


@functools.cache
def _parsed_once() -> dict[str, Callable]:
    """What fingerprint.py reads from the package's sources (it parses every module), once per session:
    no test edits the sources."""
    from pipeline.run import fingerprint

    names, data_files_of = fingerprint.imported_names, fingerprint.data_files_of  # the originals
    files = functools.cache(lambda module: data_files_of([module]))
    return {
        "imported_names": functools.cache(names),
        "data_files_of": lambda modules: sorted({f for m in modules for f in files(m)}),
        "code_fingerprint": functools.cache(fingerprint.code_fingerprint),
    }


def isolate_fingerprints(monkeypatch: pytest.MonkeyPatch, code_unchanged: bool = False) -> Callable:
    """Give the test stage fingerprints of its own, computed afresh (for a changed data file, schema or setting),
    while the process's stay cached and valid for the other tests. The data files and schemas are read afresh;
    what the sources say (imports, data file names) is parsed once per session. With `code_unchanged` (a test
    changing settings only), the whole part hashing code, data files, schemas and libraries is kept too."""
    from pipeline import settings
    from pipeline.run import extract, fingerprint, stages

    once = _parsed_once()
    monkeypatch.setattr(fingerprint, "imported_names", once["imported_names"])
    monkeypatch.setattr(fingerprint, "data_files_of", once["data_files_of"])
    original = stages.fingerprint
    own = functools.cache(original.__wrapped__)
    monkeypatch.setattr(stages, "fingerprint", own)
    monkeypatch.setattr(extract, "fingerprint", own)
    hooks = [h for h in settings.ON_CHANGE if h != original.cache_clear]
    monkeypatch.setattr(settings, "ON_CHANGE", [*hooks, own.cache_clear])
    if code_unchanged:
        monkeypatch.setattr(stages, "code_fingerprint", once["code_fingerprint"])
    return own


def other_value(f: Declared) -> float:
    """A value of a setting other than its default, inside its declared range."""
    d, lo, hi = f.default, f.lo, f.hi
    step = 1 if isinstance(d, int) else max(abs(d) * 0.5, 0.01)
    for v in (d + step, d - step):
        if v >= lo and (hi is None or v <= hi):
            return v
    raise AssertionError(f"{f.name}: no value but its default in [{lo}, {hi}]")


# ---------------------------------------------------------------- session extractions, kept between runs

STAMP = ".test-stamp"


def _stamp(pdfs: list[Path], registry: str) -> str:
    """What the kept output depends on, as one hash (a superset of the stage fingerprints)."""
    h = hashlib.sha256()
    for base in (ROOT / "pipeline", ROOT / "schemas"):
        for p in sorted(base.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(ROOT)).encode() + b"\0" + p.read_bytes())
    for pdf in pdfs:
        h.update(pdf.name.encode() + b"\0" + pdf.read_bytes())
    h.update(registry.encode())
    h.update(sys.version.encode() + os.environ.get("PIPELINE_SCHEMAS", "").encode())
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    h.update("\n".join(dists).encode())
    return h.hexdigest()


@contextlib.contextmanager
def _locked(path: Path | None) -> Iterator[None]:
    """One pytest session at a time reads or replaces a kept output (engineers share the work tree)."""
    if path is None:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _manifests(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / ".manifests").glob("*.json"))}


def _publish(out: Path, saved: Path, key: str) -> None:
    tmp = saved.with_name(f".{saved.name}.{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(out, tmp, symlinks=True, ignore=shutil.ignore_patterns(".cache", ".lock", "_runs"))
    (tmp / STAMP).write_text(key)
    old = saved.with_name(f".{saved.name}.old.{os.getpid()}")
    if saved.exists():
        os.replace(saved, old)
    os.replace(tmp, saved)
    shutil.rmtree(old, ignore_errors=True)


def session_extraction(config: pytest.Config, out: Path, name: str, pdfs: list[Path], registry: Path | None) -> Path:
    """Extract `pdfs` into the empty folder `out` with the command line, reusing a kept output when valid."""
    cache = getattr(config, "cache", None)  # None with -p no:cacheprovider: everything is extracted
    kept = cache.mkdir("plan-pipeline") if cache is not None else None
    key = _stamp(pdfs, registry.read_text(encoding="utf-8") if registry else "")
    saved = kept / name if kept else None
    lock = kept / f"{name}.lock" if kept else None
    with _locked(lock):
        warm = saved is not None and (saved / STAMP).is_file() and (saved / STAMP).read_text() == key
        if warm:
            shutil.copytree(saved, out, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns(STAMP))
    if kept is not None:
        (kept / "ingest-cache").mkdir(exist_ok=True)
        (out / ".cache").symlink_to(kept / "ingest-cache", target_is_directory=True)
    before = _manifests(out)
    res = cli("extract", *pdfs, "--out", out, *(["--registry", registry] if registry else []), "-q")
    assert res.returncode == 0, res.stderr
    # what a run made, copied elsewhere and run again with nothing changed, is up to date (no paths, no chance)
    assert not warm or _manifests(out) == before, f"kept output in {saved} redone: the stage fingerprints moved"
    if saved is not None and _manifests(out) != before:
        with _locked(lock):
            _publish(out, saved, key)
    return out


@pytest.fixture(scope="session")
def fixture_out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled plan and its revision, extracted once for the session with the fixture registry
    (the bundled plan registered as in raw/plans.csv, the 2022 PDF as its revision)."""
    registry = write_fixture_registry(tmp_path_factory.mktemp("registry"))
    out = tmp_path_factory.mktemp("extracted")
    return session_extraction(request.config, out, "fixtures", FIXTURE_PDFS, registry)


@pytest.fixture(scope="session")
def registered_out(fixture_out: Path) -> Path:
    """The fixture plans with a registry: the 2022 PDF registered as a revision of the 2021 one."""
    return fixture_out


@pytest.fixture(scope="session")
def communique_out(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real statistical communiqué (tests/fixtures/real), extracted once for the session."""
    out = tmp_path_factory.mktemp("communique")
    return session_extraction(request.config, out, "communique", [COMMUNIQUE_PDF], None)
