"""Per-plan isolation: whatever goes wrong with one plan is that plan's one-line failure; the batch goes on.

Each plan runs in a worker process of its own, with a time and a memory limit; the output
folder's own problems stop the run before any parsing; plan ids read back as themselves."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pytest
from conftest import cli
from pdfbuilder import small_plan

from pipeline.errors import OutputError, quoted
from pipeline.run import extract as extract_mod
from pipeline.run import workers
from pipeline.storage import store
from pipeline.storage.registry import PlanJob, plan_id_from_name, plan_jobs

pytestmark = pytest.mark.corpus  # plans in worker processes, run into their limits or killed: outside the quick suite


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """A small valid plan, built once."""
    return small_plan(tmp_path_factory.mktemp("good") / "good.pdf")


def goods(folder: Path, good: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        p = folder / f"good{i}.pdf"
        p.write_bytes(good.read_bytes() + f"\n% copy {i}\n".encode())  # another file, another SHA-256
        out.append(p)
    return out


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("error: ")]


def refuse_reading(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """The extraction's read check is refused `path`, as mode 000 refuses a user (root, in this process, reads it
    all the same)."""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **kw: False if Path(p) == path else real_access(p, m, **kw))


def test_a_batch_with_hostile_inputs_extracts_every_good_plan(tmp_path, good, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    ok = goods(raw, good, 4)
    folder = raw / "folder.pdf"
    folder.mkdir()
    loop = raw / "loop.pdf"
    loop.symlink_to(raw / "loop2.pdf")
    (raw / "loop2.pdf").symlink_to(loop)
    unreadable = raw / "unreadable.pdf"
    unreadable.write_bytes(good.read_bytes())
    unreadable.chmod(0)
    refuse_reading(monkeypatch, unreadable)
    device = Path("/dev/zero")
    batch = [folder, ok[0], loop, ok[1], unreadable, ok[2], device, ok[3]]
    res = cli("extract", *batch, "--out", tmp_path / "out", "-q")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    lines = error_lines(res.stderr)
    assert len(lines) == 4, res.stderr
    for bad, line in zip([folder, loop, unreadable, device], lines, strict=True):
        assert quoted(str(bad)) in line, line
    assert "is a folder" in lines[0] and "cannot be read" in lines[1] and "permission" in lines[2]
    assert "not a regular file" in lines[3]
    docs = pd.read_parquet(tmp_path / "out" / "documents")
    assert sorted(docs.plan_id.astype(str)) == [f"good{i}" for i in range(4)]


def test_an_internal_error_is_that_plans_failure_with_its_traceback_in_the_log(tmp_path, good, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    a, b = goods(raw, good, 2)
    monkeypatch.setitem(extract_mod.STAGES, "tables", sabotaged("tables", "good0", a_bug))
    res = cli("extract", a, b, "--out", tmp_path / "out", "-q")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (line,) = error_lines(res.stderr)
    assert "internal error, please report" in line and "KeyError" in line and "good0.pdf" in line
    assert "damaged" not in line and "truncated" not in line
    logs = list((tmp_path / "out" / "_runs").glob("*/good0.log"))
    assert len(logs) == 1 and "KeyError" in logs[0].read_text()
    assert list(pd.read_parquet(tmp_path / "out" / "documents").plan_id.astype(str)) == ["good1"]


def a_bug() -> None:
    raise KeyError("a column path")


def replaced(stage: str, run) -> extract_mod.Stage:
    return dataclasses.replace(extract_mod.STAGES[stage], run=run)


def sabotaged(stage: str, plan_id: str, act) -> extract_mod.Stage:
    """The stage, doing `act()` first on plan `plan_id` (a bug, a hang, a memory hog, a kill)."""
    real = extract_mod.STAGES[stage].run

    def run(r):
        if r.job.plan_id == plan_id:
            act()
        return real(r)

    return replaced(stage, run)


def test_a_plan_over_its_time_limit_fails_alone(tmp_path, good, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    a, b = goods(raw, good, 2)
    monkeypatch.setitem(extract_mod.STAGES, "structure", sabotaged("structure", "good0", lambda: time.sleep(60)))
    t0 = time.monotonic()
    res = cli("extract", a, b, "--out", tmp_path / "out", "-q", "--timeout", "25")
    assert time.monotonic() - t0 < 58
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert len(error_lines(res.stderr)) == 1, res.stderr
    (line,) = error_lines(res.stderr)
    assert "good0.pdf" in line and "time limit" in line
    assert list(pd.read_parquet(tmp_path / "out" / "documents").plan_id.astype(str)) == ["good1"]


def test_a_plan_read_from_the_ingest_cache_still_gets_its_page_count_time_limit(tmp_path):
    """A rerun whose pages come from the ingest cache (after a crash mid-OCR, or with --force) reports the page
    count all the same: its worker's time limit is the base plus the per-page seconds, not the base alone."""
    seen: list[tuple[str, int]] = []

    def on_stage(job: PlanJob):
        def stage(name: str, total: int):
            seen.append((name, total))
            return lambda n: None

        return stage

    from hostile import good_plan

    job = PlanJob(pdf=good_plan(tmp_path / "long.pdf", "页数", chapters=6), plan_id="long")
    extract_mod.extract_plans([job], tmp_path / "out")
    extract_mod.extract_plans([job], tmp_path / "out", force=True, on_stage=on_stage)
    pages = int(pd.read_parquet(tmp_path / "out" / "documents").page_count.iloc[0])
    assert ("ingest", pages) in seen and pages > 1
    assert workers.Limits().seconds_for(pages) > workers.BASE_SECONDS


def test_a_plan_over_its_memory_limit_fails_alone(tmp_path, good, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    a, b = goods(raw, good, 2)

    def hog() -> None:
        [bytearray(2**20) for _ in range(8000)]  # 8 GB, far over the limit

    monkeypatch.setitem(extract_mod.STAGES, "structure", sabotaged("structure", "good0", hog))
    res = cli("extract", a, b, "--out", tmp_path / "out", "-q", "--max-memory", "3G")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert len(error_lines(res.stderr)) == 1, res.stderr
    (line,) = error_lines(res.stderr)
    assert "good0.pdf" in line and "memory" in line
    assert list(pd.read_parquet(tmp_path / "out" / "documents").plan_id.astype(str)) == ["good1"]


def test_address_space_reserved_but_never_touched_here_is_not_the_plans(tmp_path, good):
    """A process that has reserved address space it never touched (allocator arenas, the threads of a Dask
    cluster it ran: CI once saw every plan of a batch time out after such a run) still extracts under a limit
    smaller than its own address space: the worker's limit is the plan's memory plus what it inherited unused."""
    import mmap

    reserved = mmap.mmap(-1, 3 * 2**30, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        res = cli("extract", good, "--out", tmp_path / "out", "-q", "--max-memory", "1G", "--timeout", "60")
    finally:
        reserved.close()
    assert res.returncode == 0, res.stderr
    assert list(pd.read_parquet(tmp_path / "out" / "documents").plan_id.astype(str)) == ["good"]


def test_a_killed_worker_is_that_plans_failure(tmp_path, good, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    a, b = goods(raw, good, 2)
    kill = lambda: os.kill(os.getpid(), signal.SIGKILL)  # noqa: E731
    monkeypatch.setitem(extract_mod.STAGES, "structure", sabotaged("structure", "good0", kill))
    res = cli("extract", a, b, "--out", tmp_path / "out", "-q", "--jobs", "2")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (line,) = error_lines(res.stderr)
    assert "good0.pdf" in line and "worker ended" in line
    assert list(pd.read_parquet(tmp_path / "out" / "documents").plan_id.astype(str)) == ["good1"]


def test_an_output_folder_that_cannot_be_written_stops_the_run_before_parsing(tmp_path, good):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    res = cli("extract", good, "--out", blocker / "out", "-q")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (line,) = error_lines(res.stderr)
    assert "cannot write here" in line


def test_a_full_disk_stops_the_run_before_parsing_and_keeps_the_output(tmp_path, good, monkeypatch):
    out = tmp_path / "out"
    assert cli("extract", good, "--out", out, "-q").returncode == 0
    before = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    monkeypatch.setattr(store.shutil, "disk_usage", lambda p: type("U", (), {"free": 10})())
    res = cli("extract", good, "--out", out, "-q", "--force")
    assert res.returncode == 1 and "free" in error_lines(res.stderr)[0]
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")} == before


def test_a_second_run_on_the_same_folder_exits_with_one_line(tmp_path, good):
    out = tmp_path / "out"
    out.mkdir()
    with store.locked(out):
        res = cli("extract", good, "--out", out, "-q")
    assert res.returncode == 1
    (line,) = error_lines(res.stderr)
    assert "another run" in line


def test_an_error_line_quotes_a_file_name_with_a_newline(tmp_path):
    odd = tmp_path / "two\nlines.pdf"
    odd.write_bytes(b"not a pdf at all")
    res = cli("extract", odd, "--out", tmp_path / "out", "-q")
    lines = error_lines(res.stderr)
    assert len(lines) == 1 and '"two\\nlines.pdf"' in lines[0]


@pytest.mark.parametrize("name", ["a%20b", "2021", "金东区-2021", "plan.v2", "x y", "1e5", "true", "_hidden"])
def test_plan_ids_read_back_as_themselves_in_every_reader(tmp_path, good, name):
    raw = tmp_path / "raw"
    raw.mkdir()
    pdf = raw / f"{name}.pdf"
    pdf.write_bytes(good.read_bytes())
    (job,) = plan_jobs([pdf], {})
    assert job.plan_id == plan_id_from_name(name)
    assert cli("extract", pdf, "--out", tmp_path / "out", "-q").returncode == 0
    folder = tmp_path / "out" / "documents"
    assert list(pd.read_parquet(folder).plan_id.astype(str)) == [job.plan_id]
    table = ds.dataset(folder, partitioning="hive").to_table()
    assert [str(v) for v in table.column("plan_id").to_pylist()] == [job.plan_id]
    got = duckdb.sql(f"select plan_id from read_parquet('{folder}/*/*.parquet', hive_partitioning=true)").fetchall()
    assert [str(r[0]) for r in got] == [job.plan_id]


def test_kill_9_during_writes_leaves_each_plan_old_or_new_whole(tmp_path):
    """A writer replacing a plan over and over, killed at 50 random instants: a reader after each kill sees
    every dataset of the plan from one write, all of them."""
    import random

    from test_schema_store import link_row

    from pipeline.storage import schema

    out = tmp_path / "out"

    def tables(version: int) -> dict:
        return {
            "links": schema.rows_to_table("links", [link_row(text=f"v{version}")] * 3),
            "sidebars": schema.rows_to_table("sidebars", []),
            "terms": schema.rows_to_table("terms", []),
        }

    store.write_plan(out, "p1", tables(0), {".manifests/p1.json": b"0"})
    rng = random.Random(16)
    for kill in range(50):
        pid = os.fork()
        if pid == 0:  # the writer: new versions until killed
            try:
                for v in range(1, 10**6):
                    store.write_plan(out, "p1", tables(v), {".manifests/p1.json": str(v).encode()})
            finally:
                os._exit(0)
        time.sleep(rng.uniform(0.0, 0.3))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        versions = set(pd.read_parquet(out / "links").text)
        assert len(versions) == 1, (kill, versions)
        assert (out / ".manifests" / "p1.json").read_text() == versions.pop().removeprefix("v"), kill
        assert_plans_whole(out, ["p1"])
    store.recover(out)
    assert [g.name for g in (out / ".plans" / "p1").iterdir() if not g.is_symlink()] == [
        store.current_generation(out, "p1").name
    ]


def test_kill_9_at_random_instants_of_a_rerun_leaves_old_or_new_plans_whole(tmp_path, good):
    """The command line rerunning two plans, killed at 50 random instants: after each kill, every dataset of
    each plan is from one generation; the next run is not blocked by the killed one's workers."""
    import random
    import subprocess
    import sys

    from conftest import ROOT

    raw = tmp_path / "raw"
    raw.mkdir()
    pdfs = goods(raw, good, 2)
    out = tmp_path / "out"
    assert cli("extract", *pdfs, "--out", out, "-q").returncode == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "pipeline", "extract", *map(str, pdfs), "--out", str(out), "-q", "--force"]
    t0 = time.monotonic()
    full = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
    assert full.returncode == 0, full.stderr
    span = time.monotonic() - t0
    rng = random.Random(16)
    for _ in range(50):
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(span * 0.3, span))  # past the imports, into the plans' work and commits
        proc.kill()
        proc.wait()
        assert_plans_whole(out, [p.stem for p in pdfs])
    time.sleep(0.5)  # the killed run's workers end with it (PR_SET_PDEATHSIG)
    assert cli("extract", *pdfs, "--out", out, "-q").returncode == 0
    assert_plans_whole(out, [p.stem for p in pdfs])


def assert_plans_whole(out: Path, plans: list[str]) -> None:
    """Every dataset a reader sees for a plan comes from that plan's current generation, and all are there."""
    for plan in plans:
        gen = store.current_generation(out, plan)
        assert gen is not None, plan
        seen = {d.name for d in out.iterdir() if (store.partition_dir(out, d.name, plan) / store.PART).exists()}
        assert seen == {d.name for d in gen.iterdir() if d.is_dir() and d.name != store.FILES}, plan
        for name in seen:
            assert store.partition_dir(out, name, plan).resolve() == gen / name
        manifest = out / ".manifests" / f"{plan}.json"
        assert manifest.resolve().parent.parent.parent == gen


def test_parse_size():
    assert workers.parse_size("4G") == 4 * 2**30
    assert workers.parse_size("1500M") == 1500 * 2**20
    assert workers.parse_size("2.5GiB") == int(2.5 * 2**30)
    assert workers.parse_size("800000") == 800000


def test_limits_scale_with_pages():
    assert workers.Limits().seconds_for(100) > workers.Limits().seconds_for(10)
    assert workers.Limits(timeout=5).seconds_for(100) == 5


def test_output_error_is_raised_by_the_library_too(tmp_path, good):
    blocker = tmp_path / "f"
    blocker.write_text("")
    job = PlanJob(pdf=good, plan_id="good")
    with pytest.raises(OutputError):
        extract_mod.extract_plans([job], blocker / "out")


def test_the_hostile_batch_of_the_issue_ends_with_every_good_plan_and_one_line_per_failure(tmp_path, monkeypatch):
    """Good plans mixed with a folder, an unreadable file, a symlink loop, a ToUnicode bomb, a content-stream
    bomb and a plan that meets a bug, a good plan after each: exit 1 within the limits, no traceback."""
    from hostile import good_plan, hostile_inputs

    bad = hostile_inputs(tmp_path / "bad")
    names = ["directory", "unreadable", "symlink-loop", "tounicode-bomb", "content-bomb"]
    batch: list[Path] = []
    for i, name in enumerate([*names, "bug"]):
        if name == "bug":
            batch.append(good_plan(tmp_path / "bug.pdf", "缺陷"))
        elif name in bad:
            batch.append(bad[name])
        batch.append(good_plan(tmp_path / f"after{i}.pdf", f"其后{i}"))
    monkeypatch.setitem(extract_mod.STAGES, "tables", sabotaged("tables", "bug", a_bug))
    if "unreadable" in bad:
        refuse_reading(monkeypatch, bad["unreadable"])
    t0 = time.monotonic()
    res = cli("extract", *batch, "--out", tmp_path / "out", "-q", "--timeout", "30", "--max-memory", "2G")
    assert time.monotonic() - t0 < 30 * len(batch)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    failures = [p for p in batch if not p.name.startswith("after")]
    assert len(error_lines(res.stderr)) == len(failures), res.stderr
    docs = pd.read_parquet(tmp_path / "out" / "documents")
    assert sorted(docs.plan_id.astype(str)) == sorted(p.stem for p in batch if p.name.startswith("after"))


def test_text_that_decodes_only_to_cids_is_an_unreadable_text_layer(tmp_path):
    from hostile import cid_only, good_plan

    pdf = good_plan(tmp_path / "cid.pdf", "编码")
    cid_only(pdf)
    res = cli("extract", pdf, "--out", tmp_path / "out", "-q", "--ocr", "never")
    (line,) = error_lines(res.stderr)
    assert "text layer is unreadable" in line and "chapter" not in line


def test_rotated_pages_are_read_in_their_display_orientation(tmp_path):
    from hostile import good_plan, rotate_pages

    pdf = good_plan(tmp_path / "rotated.pdf", "旋转", chapters=3)
    rotate_pages(pdf, [90, 180, 270])
    assert cli("extract", pdf, "--out", tmp_path / "out", "-q").returncode == 0
    outline = pd.read_parquet(tmp_path / "out" / "outline")
    assert list(outline.title) == ["总体要求", "创新发展", "绿色发展"]
