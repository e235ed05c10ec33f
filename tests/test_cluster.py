"""Plans as tasks of a Dask cluster (`--scheduler`): the same output as a local run, a task dependency for
revisions, a worker lost mid-run, OCR pages as tasks, the shared-folder check, and the SLURM recipe.

The quick tests share one LocalCluster of one worker process (started once for the module); the
`corpus` ones start their own."""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import BUNDLED_PDF, REVISION_PDF, ROOT, cli, read, same_parquet, write_fixture_registry
from pdfbuilder import small_plan

from pipeline.errors import OutputError, PipelineError
from pipeline.run import cluster, slurm
from pipeline.run.extract import RunStamp
from pipeline.run.stages import DATASETS
from pipeline.run.workers import Limits
from pipeline.storage.registry import PlanJob

VARIANTS = ROOT / "tests" / "corpus" / "variants"
CORPUS = ["lo_parts_chapters", "rl_continued_xubiao", "cr_two_level_header", "rl_sidebar_split_2pages"]

pytestmark = pytest.mark.corpus  # Dask clusters and SLURM recipes: outside the quick suite


@pytest.fixture(scope="module")
def local_address():
    """One LocalCluster (one worker process) for the module's quick tests."""
    with cluster.local_cluster(1) as address:
        yield address


def assert_same_output(a: Path, b: Path, plans: list[str]) -> None:
    """Every public dataset of every plan: byte-identical Parquet (documents apart from the run's columns)."""
    for plan in plans:
        for d in DATASETS:
            part = Path("plan_id=" + plan) / "part-0.parquet"
            assert same_parquet(a / d / part, b / d / part), (plan, d)


def summary(out: Path) -> dict:
    """The run summary of the latest run."""
    return json.loads(sorted((out / "_runs").glob("*.json"))[-1].read_text(encoding="utf-8"))


# ---------------------------------------------------------------- quick


def test_scheduler_addresses():
    assert cluster.parse_scheduler("local:3") == cluster.Address(local=3)
    assert cluster.parse_scheduler("local").local == (os.cpu_count() or 1)
    assert cluster.parse_scheduler("tcp://10.0.0.5:8786") == cluster.Address(url="tcp://10.0.0.5:8786")
    assert cluster.parse_scheduler("/shared/sched.json") == cluster.Address(scheduler_file=Path("/shared/sched.json"))
    for bad in ("local:0", "local:x", "nowhere"):
        with pytest.raises(PipelineError, match="--scheduler"):
            cluster.parse_scheduler(bad)


def test_a_bad_address_is_one_line(tmp_path):
    res = cli("extract", small_plan(tmp_path / "a.pdf"), "--out", tmp_path / "out", "--scheduler", "local:0")
    assert res.returncode == 1
    assert [line for line in res.stderr.splitlines() if line.startswith("error:")] == [
        "error: --scheduler 'local:0' (expected local:N (N worker processes here), a scheduler file (.json) or an "
        "address such as tcp://host:8786)"
    ]


def test_small_plans_on_a_local_cluster_match_a_local_run(local_address, tmp_path):
    pdfs = [small_plan(tmp_path / "a.pdf"), small_plan(tmp_path / "b.pdf", extra="新增一句。")]
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert cli("extract", *pdfs, "--out", local, "-q").returncode == 0
    res = cli("extract", *pdfs, "--out", dask, "--scheduler", local_address)
    assert res.returncode == 0, res.stderr
    assert "a: structure, tables, values, text, changes redone (parsed)" in res.stderr  # a line per plan
    assert_same_output(local, dask, ["a", "b"])
    run = summary(dask)
    assert [(p["plan_id"], p["status"]) for p in run["plans"]] == [("a", "extracted"), ("b", "extracted")]
    assert all(p["worker"].startswith("tcp://127.0.0.1:") and p["task_finished"] for p in run["plans"])
    docs = read(dask, "documents")
    assert set(docs.run_id) == {run["run_id"]} and set(docs.extracted_at) == {run["started"]}
    assert not list(dask.glob(f"{cluster.MARKER}.*"))  # the marker is gone with the run
    # a rerun with nothing stale submits nothing: it does not even reach the scheduler
    again = cli("extract", *pdfs, "--out", dask, "--scheduler", "tcp://127.0.0.1:9")
    assert again.returncode == 0 and "a: up to date" in again.stderr, again.stderr


def test_a_worker_that_does_not_see_the_output_folder_stops_the_run(local_address, tmp_path, monkeypatch):
    @contextlib.contextmanager
    def unseen(out: Path):  # the client's marker, as a worker on another filesystem would (not) see it
        yield out.absolute() / f"{cluster.MARKER}.elsewhere"

    monkeypatch.setattr(cluster, "shared_marker", unseen)
    res = cli("extract", small_plan(tmp_path / "a.pdf"), "--out", tmp_path / "out", "--scheduler", local_address)
    assert res.returncode == 1
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "must be on a filesystem every worker sees" in errors[0], res.stderr
    assert not (tmp_path / "out" / "documents").exists()  # nothing ran


def test_the_worker_check_names_what_it_does_not_see(local_address, tmp_path):
    from distributed import Client

    run = cluster.RunContext(
        out=tmp_path,
        log_dir=tmp_path / "_runs" / "x",
        marker=tmp_path / f"{cluster.MARKER}.missing",
        stamp=RunStamp("x", "2025-01-01T00:00:00+00:00"),
        config=cluster.RunConfig.current(),
        limits=Limits(),
    )
    job = PlanJob(pdf=tmp_path / "no-such-folder" / "a.pdf", plan_id="a")
    with Client(local_address) as client:
        with pytest.raises(OutputError, match="does not see the run's marker file"):
            cluster.check_workers(client, run, [job])
        with cluster.shared_marker(tmp_path) as marker:
            seen = replace(run, marker=marker)
            with pytest.raises(PipelineError, match="does not see the PDFs' folder"):
                cluster.check_workers(client, seen, [job])
            cluster.check_workers(client, seen, [PlanJob(pdf=tmp_path / "a.pdf", plan_id="a")])


def test_a_revision_is_submitted_after_its_base():
    base, rev = PlanJob(pdf=Path("a.pdf"), plan_id="a"), PlanJob(pdf=Path("b.pdf"), plan_id="b")
    rev.registry["revision_of"] = "a"
    assert [j.plan_id for j in cluster.in_dependency_order([rev, base])] == ["a", "b"]


SLURM_ARGS = ["--jobs", "3", "--cores", "4", "--memory", "16GB", "--walltime", "02:30:00", "--queue", "normal"]


def test_the_slurm_recipe_builds_the_documented_job_script(tmp_path):
    extra = ["--account", "plans", "--scheduler-host", "127.0.0.1", "--local-directory", str(tmp_path)]
    pipeline_args = ["raw/a.pdf", "--out", "/shared/out"]
    args, rest = slurm.build_parser().parse_known_args(
        [*SLURM_ARGS, *extra, "--job-extra=--hint=nomultithread", *pipeline_args]
    )
    assert rest == ["raw/a.pdf", "--out", "/shared/out"]  # the rest goes to `python -m pipeline extract`
    job = slurm.slurm_cluster(args)
    try:
        script = job.job_script()
    finally:
        job.close()
    for line in ("#SBATCH --cpus-per-task=4", "#SBATCH --mem=15G", "#SBATCH -t 02:30:00", "#SBATCH -p normal"):
        assert line in script
    assert "#SBATCH -A plans" in script and "#SBATCH --hint=nomultithread" in script
    assert "--nthreads 1" in script and "--nworkers 4" in script  # one plan at a time per worker process
    assert "--memory-limit 3.73GiB" in script  # the job's memory split between its 4 workers
    assert f"--local-directory {tmp_path}" in script
    assert "export DASK_DISTRIBUTED__WORKER__DAEMON=False" in script  # plan processes allowed


def test_the_slurm_recipe_has_a_help():
    with pytest.raises(SystemExit) as e:
        slurm.main(["--help"])
    assert e.value.code == 0


# ---------------------------------------------------------------- slow


def test_the_slurm_recipe_runs_on_a_local_cluster(tmp_path):
    out = tmp_path / "out"
    rc = slurm.main([str(small_plan(tmp_path / "a.pdf")), "--out", str(out), "--local", "--jobs", "1", "--cores", "2"])
    assert rc == 0
    assert read(out, "outline", "a").label.tolist() == ["第一章"]


def test_serial_jobs_2_and_a_local_cluster_write_the_same_datasets(tmp_path):
    """The bundled plan, its revision and four corpus variants, three ways: byte-identical Parquet."""
    registry = write_fixture_registry(tmp_path / "raw")
    pdfs = [BUNDLED_PDF, REVISION_PDF, *(VARIANTS / f"{v}.pdf" for v in CORPUS)]
    plans = ["jindong-2021", "jindong-2022-revision", *CORPUS]
    outs = {way: tmp_path / way for way in ("serial", "jobs2", "dask")}
    ways = {"serial": [], "jobs2": ["--jobs", "2"], "dask": ["--scheduler", "local:2"]}
    for way, args in ways.items():
        res = cli("extract", *pdfs, "--out", outs[way], "--registry", registry, "-q", *args)
        assert res.returncode == 0, (way, res.stderr)
    assert read(outs["dask"], "indicator_changes", "jindong-2022-revision").shape[0] > 0
    for way in ("jobs2", "dask"):
        assert_same_output(outs["serial"], outs[way], plans)
    # the revision's task started once its base plan's task had ended: a task dependency
    times = {p["plan_id"]: p for p in summary(outs["dask"])["plans"]}
    assert times["jindong-2022-revision"]["task_started"] >= times["jindong-2021"]["task_finished"]


def kill_a_worker_mid_plan(address: str, killed: list[int], stop: threading.Event) -> None:
    """Kill (SIGKILL) the first Dask worker process seen running a plan in a plan process of its own."""
    import psutil
    from distributed import Client

    with Client(address) as client:
        pids = list(client.run(os.getpid).values())
    workers = [psutil.Process(pid) for pid in pids]
    while not stop.is_set():
        for worker in workers:
            with contextlib.suppress(psutil.Error):  # a plan process: forked, the worker's command line
                if any(c.cmdline() == worker.cmdline() for c in worker.children()):
                    os.kill(worker.pid, signal.SIGKILL)
                    killed.append(worker.pid)
                    return
        time.sleep(0.005)


def test_killing_a_worker_mid_run_still_extracts_every_plan_once(tmp_path):
    pdfs = [small_plan(tmp_path / f"p{i}.pdf", extra="新增一句。" * i) for i in range(4)]
    out = tmp_path / "out"
    killed: list[int] = []
    stop = threading.Event()
    with cluster.local_cluster(2) as address:
        killer = threading.Thread(target=kill_a_worker_mid_plan, args=(address, killed, stop))
        killer.start()
        try:
            res = cli("extract", *pdfs, "--out", out, "--scheduler", address)
        finally:
            stop.set()
            killer.join()
    assert killed, "no worker was killed"
    assert res.returncode == 0, res.stderr
    run = summary(out)
    assert sorted(p["plan_id"] for p in run["plans"]) == [f"p{i}" for i in range(4)]  # each once
    assert {p["status"] for p in run["plans"]} == {"extracted"}
    assert set(read(out, "documents").run_id) == {run["run_id"]}
    for i in range(4):
        assert read(out, "paragraphs", f"p{i}").text.str.count("新增一句").sum() == i


def test_a_daemonic_worker_still_runs_each_plan_in_a_process_of_its_own(tmp_path):
    """A cluster started with Dask's defaults (daemonic workers): the plan still runs under its time limit."""
    import dask
    from distributed import Client, LocalCluster

    pdf = small_plan(tmp_path / "a.pdf")
    with (
        dask.config.set({"distributed.worker.daemon": True}),  # Dask's default (the module's cluster set it off)
        LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as lc,
    ):
        with Client(lc) as client:
            assert list(client.run(lambda: multiprocessing.current_process().daemon).values()) == [True]
        # a 101-page plan cannot be read in 0.2 s on any machine (the one-page plan can, with compiled modules)
        slow = cli(
            "extract", BUNDLED_PDF, "--out", tmp_path / "out", "--scheduler", lc.scheduler_address, "--timeout", "0.2"
        )
        assert slow.returncode == 1 and "its time limit (--timeout)" in slow.stderr, slow.stderr
        ok = cli("extract", pdf, "--out", tmp_path / "out", "--scheduler", lc.scheduler_address)
        assert ok.returncode == 0, ok.stderr


def test_ocr_pages_are_tasks_of_their_own(tmp_path, monkeypatch):
    from ocr_pdfs import image_only

    pdf = image_only(VARIANTS / "lo_parts_chapters.pdf", tmp_path / "scan.pdf")
    local = tmp_path / "local"
    assert cli("extract", pdf, "--out", local, "-q").returncode == 0
    monkeypatch.setattr(cluster, "OCR_CHUNK", 1)
    res = cli("extract", pdf, "--out", tmp_path / "dask", "--scheduler", "local:2")
    assert res.returncode == 0, res.stderr
    assert "scan: 3 pages to OCR, in 3 tasks" in res.stderr
    assert "1 PDF(s) parsed" in res.stderr
    assert_same_output(local, tmp_path / "dask", ["scan"])
