"""A corpus on a SLURM cluster: Dask workers as SLURM jobs (dask-jobqueue's `SLURMCluster`), then
`python -m pipeline extract --scheduler` on them.

    python -m pipeline.run.slurm raw/*.pdf --out /shared/extracted \\
        --jobs 8 --cores 4 --memory 16GB --walltime 02:00:00 --queue normal --account myproject

Run it on a login node (or in a small job of its own): it starts the Dask scheduler in this process,
submits `--jobs` SLURM jobs of `--cores` cores and `--memory` each, every job running `--cores` Dask
worker processes of one thread each (one plan at a time per process, each plan in a process of its
own with its limits: half the worker's share of the job's memory unless `--max-memory`), waits for
the plans and ends the jobs. `--walltime` bounds each job: a plan whose job ends mid-plan is run
again on another worker (once), so choose it well above the slowest plan. The output folder, the
PDFs and this Python environment must be on a filesystem every node sees (`--python` names the
interpreter the jobs run). Every other option is `python -m pipeline extract`'s (`--registry`,
`--force`, `--timeout`, `--ocr`, ...). `--print-job-script` shows the job script and submits
nothing; `--local` runs the same recipe on a `LocalCluster` of jobs x cores processes here (no SLURM).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any

from pipeline.run.cluster import cluster_config, local_cluster, quiet_dask

log = logging.getLogger(__name__)

# the job's environment: Dask's settings for the workers it starts (plan processes allowed, no profiler)
JOB_PROLOGUE = [
    "export DASK_DISTRIBUTED__WORKER__DAEMON=False",
    "export DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False",
]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m pipeline.run.slurm",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Any other option is passed to `python -m pipeline extract` (PDF files, --out, --registry, ...).",
    )
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="SLURM jobs of Dask workers (default: 2)")
    p.add_argument(
        "--cores", type=int, default=4, metavar="C", help="cores per job: C worker processes, 1 thread each (4)"
    )
    p.add_argument("--memory", default="16GB", metavar="SIZE", help="memory per job, split between its workers (16GB)")
    p.add_argument("--walltime", default="01:00:00", metavar="HH:MM:SS", help="time limit per job (01:00:00)")
    p.add_argument("--queue", metavar="PARTITION", help="SLURM partition (sbatch -p)")
    p.add_argument("--account", metavar="ACCOUNT", help="SLURM account to charge (sbatch -A)")
    p.add_argument("--interface", metavar="NIC", help="network interface the nodes reach this host on (e.g. ib0)")
    p.add_argument("--scheduler-host", metavar="HOST", help="address the scheduler listens on (default: Dask's)")
    p.add_argument("--local-directory", metavar="DIR", help="node-local scratch folder for the workers (e.g. $TMPDIR)")
    p.add_argument("--python", metavar="PATH", help="the Python the jobs run (default: this one)")
    p.add_argument(
        "--job-extra", action="append", default=[], metavar="DIRECTIVE", help="extra #SBATCH option, repeatable"
    )
    p.add_argument("--print-job-script", action="store_true", help="print the job script, submit nothing")
    p.add_argument("--local", action="store_true", help="the same run on a LocalCluster of jobs x cores processes")
    return p


def slurm_cluster(args: argparse.Namespace) -> Any:
    """The `SLURMCluster` the arguments describe (nothing submitted yet)."""
    from dask_jobqueue.slurm import SLURMCluster

    options: dict[str, Any] = {
        "cores": args.cores,
        "processes": args.cores,  # one thread per worker process: one plan at a time each
        "memory": args.memory,
        "walltime": args.walltime,
        "queue": args.queue,
        "account": args.account,
        "interface": args.interface,
        "local_directory": args.local_directory,
        "python": args.python or sys.executable,
        "job_extra_directives": list(args.job_extra),
        "job_script_prologue": list(JOB_PROLOGUE),
    }
    if args.scheduler_host:
        options["scheduler_options"] = {"host": args.scheduler_host}
    return SLURMCluster(**{k: v for k, v in options.items() if v is not None})


@contextlib.contextmanager
def cluster_for(args: argparse.Namespace) -> Iterator[str]:
    """The scheduler's address: of a SLURMCluster scaled to `--jobs` jobs, or of a LocalCluster (`--local`)."""
    with cluster_config(), quiet_dask():
        if args.local:
            with local_cluster(args.jobs * args.cores) as address:
                yield address
            return
        cluster = slurm_cluster(args)
        try:
            cluster.scale(jobs=args.jobs)
            log.info("%d SLURM job(s) of %d workers submitted; plans start as jobs start", args.jobs, args.cores)
            yield str(cluster.scheduler_address)
        finally:
            cluster.close()


def main(argv: list[str] | None = None) -> int:
    from pipeline.cli import main as pipeline_main
    from pipeline.cli import setup_logging

    args, extract_args = build_parser().parse_known_args(argv)
    setup_logging(
        "-v" in extract_args or "--verbose" in extract_args, "-q" in extract_args or "--quiet" in extract_args
    )
    if args.print_job_script:
        with quiet_dask():
            cluster = slurm_cluster(args)
            try:
                print(cluster.job_script().rstrip("\n"))
            finally:
                cluster.close()
        return 0
    with cluster_for(args) as address:
        return pipeline_main(["extract", *extract_args, "--scheduler", address])


if __name__ == "__main__":
    sys.exit(main())
