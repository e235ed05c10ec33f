"""Command line: `python -m pipeline extract PDF [PDF ...] [--out DIR]`."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from . import __version__
from .errors import PipelineError
from .extract import PlanJob, extract_plan

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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipeline", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    ex = sub.add_parser("extract", help="extract one or more plan PDFs into Parquet datasets",
                        description="Extract plan PDFs into Parquet datasets under --out.",
                        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ex.add_argument("pdfs", nargs="+", metavar="PDF", type=Path, help="plan PDF files (Word or WPS exports)")
    ex.add_argument("--out", type=Path, default=Path("extracted"), metavar="DIR",
                    help="output folder (default: extracted)")
    ex.add_argument("-q", "--quiet", action="store_true", help="no progress bars, warnings and errors only")
    ex.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub.add_parser("schema-docs", help="print the data dictionary (Markdown) generated from schemas/")
    rd = sub.add_parser("readme-docs", help="rewrite the data dictionary inside a README from schemas/")
    rd.add_argument("readme", type=Path, nargs="?", default=Path("README.md"))
    return p


def setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)


def plan_jobs(pdfs: list[Path]) -> list[PlanJob]:
    return [PlanJob(pdf=p, plan_id=p.stem) for p in pdfs]


def run_extract(args) -> int:
    jobs = plan_jobs(args.pdfs)
    failures = 0
    show = not args.quiet
    with logging_redirect_tqdm():
        for job in jobs:
            bars: list[tqdm] = []

            def on_stage(name, total, _job=job):
                for b in bars:
                    b.close()
                bars.clear()
                bar = tqdm(total=total, desc=f"{_job.plan_id}: {name}", unit="page" if total > 1 else "stage",
                           disable=not show or None, leave=False, file=sys.stderr)
                bars.append(bar)
                return bar.update

            try:
                if not job.pdf.exists():
                    raise PipelineError("no such file", file=str(job.pdf))
                res = extract_plan(job, args.out, on_stage=on_stage)
                for b in bars:
                    b.update(b.total - b.n)
                    b.close()
                total = sum(res.seconds.values())
                log.info("%s: %s in %.1fs", job.plan_id,
                         ", ".join(f"{v} {k}" for k, v in res.counts.items()), total)
            except PipelineError as e:
                failures += 1
                for b in bars:
                    b.close()
                print(f"error: {e}", file=sys.stderr)
            except Exception as e:  # a bug: still one line, and the other plans go on
                failures += 1
                for b in bars:
                    b.close()
                log.debug("traceback", exc_info=True)
                print(f"error: {job.pdf.name}: internal error {type(e).__name__}: {e} "
                      f"(please report it; rerun with -v for the traceback)", file=sys.stderr)
    if failures:
        print(f"{failures} of {len(jobs)} plan(s) failed", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "schema-docs":
        from .schema import data_dictionary_markdown
        sys.stdout.write(data_dictionary_markdown())
        return 0
    if args.command == "readme-docs":
        from .schema import splice_data_dictionary
        text = args.readme.read_text(encoding="utf-8")
        args.readme.write_text(splice_data_dictionary(text), encoding="utf-8")
        return 0
    setup_logging(args.verbose, args.quiet)
    return run_extract(args)


if __name__ == "__main__":
    sys.exit(main())
