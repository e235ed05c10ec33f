"""Benchmark: a corpus on a Dask LocalCluster of 1 and then 2 workers, against `--jobs 1` and `--jobs 2`.

    python -m pipeline.tools.bench_corpus [--plans 40] [--variants tests/corpus/variants]
                                          [--full-size 8 [--plan raw/jindong-2021.pdf]] [--json FILE]

Two corpora: small plans (the layout-corpus variants, 2 to 5 pages, in name order) and, with
`--full-size N`, N full-size plans (copies of a bundled plan, each made a file of its own by a
comment after its end, so none is read from another's cache). Small plans show the fixed cost per
plan; full-size plans are what a corpus of district plans is made of. Each run extracts the same
plans into a fresh folder, in a fresh process of its own (imports, the cluster's start and its
workers' warm-up included), and notes when each plan's result came back and how long the plan's own
stages took. Reported per run: wall seconds, plans per minute, the seconds to the first result
(start-up), the steady pace (seconds between results, from the first to the last), a plan's mean
time in its stages, and the time per plan outside them (workers x pace - plan: forking, scheduling,
results coming back). Then: the speed-up from 1 to 2 cluster workers, and the scheduler's overhead
per plan against `--jobs` with as many processes: the difference of the time outside the plans (each
run against its own stage times, so that a machine busier in one run than in another counts less),
and of the wall times spread over the plans, as a share of a plan's time.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
RUNS = {"--jobs 1": "jobs:1", "--jobs 2": "jobs:2", "local:1": "local:1", "local:2": "local:2"}


# ---------------------------------------------------------------- one run, in a process of its own


def one_run(how: str, pdfs: list[Path], out: Path) -> dict[str, Any]:
    """Extract `pdfs` into `out` (`how`: jobs:N or local:N); when each result came, seconds from the start."""
    from pipeline.run.cluster import extract_plans_distributed
    from pipeline.run.extract import Result, extract_plans
    from pipeline.storage.registry import PlanJob, plan_jobs

    t0 = time.perf_counter()
    came: list[float] = []
    plan: list[float] = []

    def on_result(job: PlanJob, res: Result) -> None:
        came.append(round(time.perf_counter() - t0, 3))
        plan.append(round(sum(res.seconds.values()), 3))

    jobs = plan_jobs(pdfs, {})
    kind, _, n = how.partition(":")
    if kind == "jobs":
        results = extract_plans(jobs, out, n_jobs=int(n), on_result=on_result)
    else:
        results = extract_plans_distributed(jobs, out, how, on_result=on_result)
    return {"came": came, "plan": plan, "failed": sum(r.status == "failed" for r in results)}


# ---------------------------------------------------------------- the session


def timed_run(how: str, pdfs: list[Path]) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    cmd = [sys.executable, "-m", "pipeline.tools.bench_corpus", "--run", how, "--out", str(out), *map(str, pdfs)]
    try:
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"{how}: exit status {done.returncode}\n{done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    report["wall"] = round(wall, 2)
    return report


def figures(report: dict[str, Any], plans: int, workers: int) -> dict[str, float]:
    came = sorted(report["came"])
    pace = (came[-1] - came[0]) / max(1, len(came) - 1)
    plan = sum(report["plan"]) / max(1, len(report["plan"]))
    return {
        "wall": report["wall"],
        "per_minute": 60 * plans / report["wall"],
        "first": came[0],
        "pace": pace,
        "steady_per_minute": 60 / pace if pace else 0.0,
        "plan": plan,
        "outside": workers * pace - plan,
        "failed": report["failed"],
    }


def table(runs: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "| run | wall s | plans/min | first result s | steady s/plan | steady plans/min | plan s | outside s "
        "| failed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, f in runs.items():
        lines.append(
            f"| {name} | {f['wall']:.1f} | {f['per_minute']:.1f} | {f['first']:.1f} | {f['pace']:.2f} "
            f"| {f['steady_per_minute']:.1f} | {f['plan']:.2f} | {f['outside']:.2f} | {f['failed']:.0f} |"
        )
    return lines


def comparison(runs: dict[str, dict[str, float]], plans: int) -> list[str]:
    one, two = runs["local:1"], runs["local:2"]
    lines = [
        f"speed-up 1 -> 2 cluster workers: {one['wall'] / two['wall']:.2f}x wall, "
        f"{one['pace'] / two['pace']:.2f}x steady",
    ]
    for n in (1, 2):
        local, dask = runs[f"--jobs {n}"], runs[f"local:{n}"]
        plan = local["plan"]
        steady = dask["outside"] - local["outside"]
        wall = (dask["wall"] - local["wall"]) / plans
        lines.append(
            f"scheduler overhead per plan vs --jobs {n}: {steady:+.3f} s steady ({100 * steady / plan:+.1f}% of a "
            f"plan's {plan:.2f} s), {wall:+.2f} s over the whole run, start-up included ({100 * wall / plan:+.1f}%)"
        )
    return lines


def corpus(variants: Path, count: int) -> list[Path]:
    pdfs = sorted(variants.glob("*.pdf"))[:count]
    if len(pdfs) < count:
        log.warning("only %d PDFs in %s (asked for %d)", len(pdfs), variants, count)
    return pdfs


def full_size_copies(pdf: Path, n: int, folder: Path) -> list[Path]:
    """`n` copies of `pdf` in `folder`, each with other bytes (a PDF comment appended) and its own name."""
    data = pdf.read_bytes()
    out = []
    for i in range(1, n + 1):
        copy = folder / f"{pdf.stem}-copy{i:02d}.pdf"
        copy.write_bytes(data + f"\n% bench copy {i}\n".encode())
        out.append(copy)
    return out


def session(pdfs: list[Path]) -> tuple[str, dict[str, dict[str, float]]]:
    """Every run of `RUNS` on `pdfs`: the table and the comparison lines, and the figures."""
    runs: dict[str, dict[str, float]] = {}
    for name, how in RUNS.items():
        log.info("%s: %d plans", name, len(pdfs))
        runs[name] = figures(timed_run(how, pdfs), len(pdfs), int(how.partition(":")[2]))
    return "\n".join([*table(runs), "", *comparison(runs, len(pdfs))]), runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plans", type=int, default=40, help="plans to extract (default: 40)")
    ap.add_argument("--variants", type=Path, default=ROOT / "tests" / "corpus" / "variants", help="folder of PDFs")
    ap.add_argument("--full-size", type=int, default=0, help="also N full-size plans (copies of --plan)")
    ap.add_argument("--plan", type=Path, default=ROOT / "raw" / "jindong-2021.pdf", help="the full-size plan")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--run", help=argparse.SUPPRESS)  # a child: one run (jobs:N or local:N)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("pdfs", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.run else logging.INFO, format="%(message)s")
    if args.run:
        sys.stdout.write(json.dumps(one_run(args.run, args.pdfs, args.out)) + "\n")
        return 0
    pdfs = corpus(args.variants, args.plans)
    text, runs = session(pdfs)
    sys.stdout.write(f"## {len(pdfs)} small plans ({args.variants.name})\n\n{text}\n")
    figures_all = {"small": runs}
    if args.full_size:
        with tempfile.TemporaryDirectory(prefix="bench-plans-") as folder:
            text, runs = session(full_size_copies(args.plan, args.full_size, Path(folder)))
        sys.stdout.write(f"\n## {args.full_size} full-size plans (copies of {args.plan.name})\n\n{text}\n")
        figures_all["full_size"] = runs
    if args.json:
        args.json.write_text(json.dumps(figures_all, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
