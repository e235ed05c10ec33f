"""Command line: `python -m pipeline extract PDF [PDF ...] [--out DIR]`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import __version__
from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from pipeline.run.extract import Result
    from pipeline.run.workers import Limits
    from pipeline.storage.registry import PlanJob

log = logging.getLogger("pipeline")

DESCRIPTION = """\
Turn Chinese development-plan PDFs (国民经济和社会发展五年规划纲要) into Parquet datasets:
the outline (chapters, sections), paragraphs, sidebars (专栏) and their items, and more.

Each PDF becomes one plan, named after its file (raw/jindong-2021.pdf -> plan_id
jindong-2021). Its rows land in <out>/<dataset>/plan_id=<plan_id>/part-0.parquet,
replacing that plan's previous rows all at once; other plans' rows are untouched.
"""

EPILOG = """\
examples:
  python -m pipeline extract raw/jindong-2021.pdf
  python -m pipeline extract raw/*.pdf --out extracted
  python -m pipeline schema-docs > docs.md

exit status: 0 when every plan was extracted, 1 when any failed (each failure is
reported on one line and leaves that plan's previous output as it was), 2 on a usage error.
"""


def add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=Path("extracted"), metavar="DIR", help="output folder (default: extracted)"
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m pipeline",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    ex = sub.add_parser(
        "extract",
        help="extract one or more plan PDFs into Parquet datasets",
        description="Extract plan PDFs into Parquet datasets under --out. Plans whose PDF, registry "
        "row and producing code are unchanged since the last run are left as they are.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ex.add_argument("pdfs", nargs="+", metavar="PDF", type=Path, help="plan PDF files (Word or WPS exports)")
    add_out(ex)
    ex.add_argument(
        "--registry",
        type=Path,
        metavar="CSV",
        help="plan registry (default: plans.csv next to the PDFs, when there is one); it names plans "
        "(plan_id), their region, level, period, edition, and which plan a revision revises",
    )
    ex.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="plans extracted at once, each in a worker process of its own (default: 1); a lone plan's "
        "pages are parsed over N processes; the output is the same for any N",
    )
    ex.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="wall-time limit per plan (default: 120 s + 10 s a page); a plan over it fails alone",
    )
    ex.add_argument(
        "--max-memory",
        metavar="SIZE",
        help="address-space limit per worker process, e.g. 4G (default: half the machine's memory, "
        "split between the workers, at least 4G); a plan over it fails alone",
    )
    ex.add_argument(
        "--ocr",
        choices=("auto", "always", "never"),
        default="auto",
        help="read pages through OCR: auto (default) those without a usable text layer (scans, garbled fonts), "
        "always every page, never none (a PDF without a text layer then fails)",
    )
    ex.add_argument(
        "--engine",
        choices=("pdfplumber", "pdfium"),
        default=None,
        help="the engine reading the PDFs' pages: pdfplumber (default) or pdfium (faster); a file one engine "
        "cannot open is tried with the other, then repaired (see README, Engines)",
    )
    ex.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the plans as tasks on a Dask cluster: tcp://host:8786 (a running scheduler), a scheduler file "
        "(.json), or local:N (a LocalCluster of N worker processes here); the output folder and the PDFs must be "
        "on a filesystem every worker sees (see README, Clusters)",
    )
    ex.add_argument("--force", action="store_true", help="redo every plan, even those that are up to date")
    ex.add_argument(
        "--prune",
        action="store_true",
        help="remove from --out the plans whose PDFs are not among those given (make extract uses it)",
    )
    ex.add_argument("-q", "--quiet", action="store_true", help="no progress bars, warnings and errors only")
    ex.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    ex.add_argument(
        "--settings",
        type=Path,
        metavar="TOML",
        help="thresholds for this corpus, overriding the defaults (see `python -m pipeline settings`)",
    )
    sub.add_parser("schema-docs", help="print the data dictionary (Markdown) generated from schemas/")
    ky = sub.add_parser(
        "keys",
        help="indicator names across the extracted plans that no crosswalk key matches, with counts",
        description="List the indicator names of every extracted plan that the crosswalk "
        "(pipeline/data/indicator_crosswalk.csv) does not key, most frequent first, with the nearest key.",
    )
    ky.add_argument("--unmatched", action="store_true", help="list the names without a key (the default)")
    add_out(ky)
    st = sub.add_parser("settings", help="print every stage's settings (thresholds) with defaults, units and meaning")
    st.add_argument("file", type=Path, nargs="?", help="a settings file: print the values it makes active")
    rd = sub.add_parser("readme-docs", help="rewrite the data dictionary inside a README from schemas/")
    rd.add_argument("readme", type=Path, nargs="?", default=Path("README.md"))
    rp = sub.add_parser(
        "report",
        help="write a static HTML report of the extracted plans (pages with every row outlined, tables, checks)",
        description="Write <out>/_report/: a corpus index, and per plan an overview, a page view (each page's "
        "image with the rows of every dataset outlined) and table views. It opens from disk, no server needed.",
    )
    rp.add_argument("plans", nargs="*", metavar="PLAN_ID", help="plans to report (default: every extracted plan)")
    add_out(rp)
    rp.add_argument(
        "--pdfs",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder holding the plans' PDFs, for the page images (repeatable; default: raw/)",
    )
    rp.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    return p


def setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


def default_registry(pdfs: list[Path]) -> Path | None:
    folders = {p.absolute().parent for p in pdfs}
    if len(folders) == 1:
        cand = folders.pop() / "plans.csv"
        return cand if cand.exists() else None
    return None


class Progress:
    """Progress bars per plan and stage (on stderr), and one log line per finished plan."""

    def __init__(self, show: bool):
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
        self.show = show
        self.bars: list[Any] = []

    def close_bars(self) -> None:
        for b in self.bars:
            b.close()
        self.bars.clear()

    def on_stage(self, job: PlanJob) -> Callable[[str, int], Callable[[int], None]]:
        def start(name: str, total: int) -> Callable[[int], None]:
            from tqdm import tqdm

            self.close_bars()
            bar = tqdm(
                total=total,
                desc=f"{job.plan_id}: {name}",
                unit="page" if total > 1 else "stage",
                disable=not self.show or None,
                leave=False,
                file=sys.stderr,
            )
            self.bars.append(bar)

            def tick(n: int) -> None:
                bar.update(n)

            return tick

        return start

    def on_result(self, job: PlanJob, res: Result) -> None:
        self.close_bars()
        if res.error is not None:
            print(f"error: {one_line(str(res.error))}", file=sys.stderr)
        elif res.status == "up to date":
            log.info("%s: up to date", job.plan_id)
        else:
            how = "parsed" if res.parsed else ("pages from the cache" if res.read_pages else "no PDF read")
            counts = ", ".join(f"{v} {k}" for k, v in res.counts.items())
            seconds = sum(res.seconds.values())
            log.info("%s: %s redone (%s) in %.1fs: %s", job.plan_id, ", ".join(res.stages), how, seconds, counts)


def summarise(results: list[Result]) -> int:
    """Log the batch's counts; the exit status: 1 when any plan failed."""
    failed = sum(r.status == "failed" for r in results)
    done = sum(r.status == "extracted" for r in results)
    fresh = sum(r.status == "up to date" for r in results)
    parsed = sum(r.parsed for r in results)
    log.info(
        "%d plan(s): %d extracted, %d up to date, %d failed; %d PDF(s) parsed",
        len(results),
        done,
        fresh,
        failed,
        parsed,
    )
    if failed:
        print(f"{failed} of {len(results)} plan(s) failed", file=sys.stderr)
    return 1 if failed else 0


def one_line(text: str) -> str:
    """An error message on one line, whatever it quotes."""
    return " ".join(text.split())


def limits_from(args: argparse.Namespace) -> Limits:
    from pipeline.run import workers

    try:
        memory = workers.parse_size(args.max_memory) if args.max_memory else workers.default_max_memory(args.jobs)
    except ValueError:
        raise PipelineError(f"--max-memory {args.max_memory!r}", expected="a size such as 4G or 1500M") from None
    return workers.Limits(timeout=args.timeout, max_memory=memory)


def run_extract(args: argparse.Namespace) -> int:
    """Extract the plans; any failure, even a bug, ends as one line on stderr and exit status 1."""
    try:
        return _run_extract(args)
    except PipelineError as e:
        print(f"error: {one_line(str(e))}", file=sys.stderr)
        return 1
    except Exception as e:  # a bug outside any plan: still one line, the traceback in the log at debug level
        log.debug("internal error", exc_info=True)
        print(f"error: internal error, please report: {one_line(repr(e))}", file=sys.stderr)
        return 1


def _run_extract(args: argparse.Namespace) -> int:
    from tqdm.contrib.logging import logging_redirect_tqdm

    from pipeline import settings
    from pipeline.pdf import ingest, ocr
    from pipeline.run.extract import extract_plans, prune
    from pipeline.storage.registry import load, plan_jobs

    if args.settings is not None:
        settings.load_file(args.settings)
    ocr.set_mode(args.ocr)
    ingest.use_engine(args.engine)
    reg_path = args.registry or default_registry(args.pdfs)
    jobs = plan_jobs(args.pdfs, load(reg_path), str(reg_path or "plans.csv"))
    limits = limits_from(args)
    extract: Callable[..., list[Result]] = extract_plans
    if args.scheduler:  # the same run, as tasks of a Dask cluster
        from dataclasses import replace

        from pipeline.run.cluster import on_cluster

        extract = on_cluster(args.scheduler)
        if args.max_memory is None:  # each worker's own memory limit sets the default
            limits = replace(limits, max_memory=None)
    progress = Progress(show=not args.quiet)
    with logging_redirect_tqdm():
        results = extract(
            jobs,
            args.out,
            n_jobs=args.jobs,
            force=args.force,
            on_stage=progress.on_stage,
            on_result=progress.on_result,
            limits=limits,
        )
    if args.prune:
        for plan in prune(args.out, {j.plan_id for j in jobs}):
            log.info("%s: its PDF is gone, its output removed", plan)
    if not args.quiet:
        from pipeline.report.summary import summarize

        print(summarize(results, args.out), file=sys.stderr)
    return summarise(results)


def run_schema_docs(args: argparse.Namespace) -> int:
    from pipeline.storage.schema import data_dictionary_markdown

    sys.stdout.write(data_dictionary_markdown())
    return 0


def run_settings(args: argparse.Namespace) -> int:
    from pipeline import settings

    try:
        if args.file is not None:
            settings.load_file(args.file)
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    sys.stdout.write(settings.settings_markdown(active=True))
    return 0


def run_readme_docs(args: argparse.Namespace) -> int:
    from pipeline.settings import splice_settings
    from pipeline.storage.schema import splice_data_dictionary

    text = args.readme.read_text(encoding="utf-8")
    args.readme.write_text(splice_settings(splice_data_dictionary(text)), encoding="utf-8")
    return 0


def run_keys(args: argparse.Namespace) -> int:
    import pandas as pd

    from pipeline.enrich.crosswalk import format_unmatched, unmatched_indicators

    path = Path(args.out) / "indicator_values"
    if not path.is_dir():
        print(f"error: {path}: no extracted indicator values (run `python -m pipeline extract` first)", file=sys.stderr)
        return 1
    rows = [{str(k): v for k, v in r.items()} for r in pd.read_parquet(path).to_dict("records")]
    sys.stdout.write("rows\tname\tplans\tnearest key (name, score)\n")
    sys.stdout.write(format_unmatched(unmatched_indicators(rows)))
    sys.stdout.write("\n")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from pipeline.report import run
    from pipeline.storage.datapackage import write_datapackage

    if not Path(args.out).is_dir():
        print(f"error: {args.out}: no extracted plans (run `python -m pipeline extract` first)", file=sys.stderr)
        return 1
    root = run(args.out, args.plans or None, pdf_dirs=args.pdfs)
    write_datapackage(args.out)
    print(f"report: {root / 'index.html'}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "keys": run_keys,
    "extract": run_extract,
    "schema-docs": run_schema_docs,
    "settings": run_settings,
    "readme-docs": run_readme_docs,
    "report": run_report,
}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    setup_logging(getattr(args, "verbose", False), getattr(args, "quiet", False))
    return COMMANDS[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
