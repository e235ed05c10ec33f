"""`python -m pipeline report`: static HTML under `<out>/_report/` to check what was extracted against the pages.

- `index.html`: the corpus: plans x datasets counts, each plan's failures and warnings, the share of indicator
  rows keyed (sortable tables linked to the plans);
- `plans/<plan_id>/index.html`: a plan's overview: counts, warnings, values that did not parse, checks that
  disagree, indicators without a key, pages read by OCR or with a low text-quality figure;
- `plans/<plan_id>/pages.html`: every page as an image with the rows of each dataset outlined over it;
- `plans/<plan_id>/tables.html`: every table of `tables` as an HTML table beside the crops of its pages.

Everything opens from disk (no server): data is inlined, scripts and styles sit in `assets/`, page images
(WebP) in `plans/<plan_id>/img/`. The PDFs are found by file name and SHA-256 in the folders given, else in
`raw/` beside the output folder or the working folder; without its PDF a plan's report has no images.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

from pipeline.report import html, pages_view, plan_page, tables_view
from pipeline.report.data import Row, dataset_names, extracted_plans, last_run, manifest, read_rows, row_counts
from pipeline.report.findings import Findings, plan_findings
from pipeline.report.html import Raw, link, section, table, url_part
from pipeline.report.render import find_pdf, render_key, render_pages

log = logging.getLogger(__name__)

REPORT = "_report"
PLANS = "plans"
ASSETS = "assets"
STATIC = Path(__file__).resolve().parent / "static"


def pdf_folders(out: Path, extra: Iterable[Path]) -> list[Path]:
    """Where a plan's PDF is looked for: the folders given, then raw/ beside `out`, raw/ and the working folder."""
    return [*map(Path, extra), Path(out).resolve().parent / "raw", Path("raw"), Path(".")]


def copy_assets(root: Path) -> None:
    target = root / ASSETS
    target.mkdir(parents=True, exist_ok=True)
    for f in STATIC.iterdir():
        if f.is_file():
            shutil.copyfile(f, target / f.name)


def page_images(out: Path, plan_id: str, folder: Path, pdf_dirs: list[Path]) -> dict[int, str]:
    """page -> image file (relative to the plan's folder); {} when the plan's PDF is not found (looked for in
    `pdf_dirs`, where the latest run read it, then as named in its manifest)."""
    man = manifest(out, plan_id)
    ran = last_run(out).get(plan_id, {}).get("file")
    pdf_dirs = [*pdf_dirs, Path(str(ran)).parent] if ran else pdf_dirs
    docs = read_rows(out, "documents", plan_id)
    source = str(man.get("source_file") or (docs[0]["source_file"] if docs else ""))
    sha = str(man.get("source_sha256") or (docs[0]["source_sha256"] if docs else ""))
    if not source or not sha:
        return {}  # nothing extracted
    pdf = find_pdf(source, sha, pdf_dirs)
    if pdf is None:
        log.warning("%s: its PDF %s is not in %s: the report has no page images", plan_id, source or "?", pdf_dirs)
        return {}
    pages = [int(p["page"]) for p in read_rows(out, "pages", plan_id)]
    images = render_pages(pdf, folder / "img", render_key(sha), pages)
    return {p: f"img/{name}" for p, name in images.items()}


def write_plan(out: Path, root: Path, plan_id: str, pdf_dirs: list[Path], run: Row | None) -> Findings:
    folder = root / PLANS / plan_id
    folder.mkdir(parents=True, exist_ok=True)
    images = page_images(out, plan_id, folder, pdf_dirs)
    found = plan_findings(out, plan_id, run)
    assets = f"../../{ASSETS}"
    (folder / "index.html").write_text(plan_page.render(out, plan_id, found, assets), encoding="utf-8")
    (folder / "pages.html").write_text(pages_view.render(out, plan_id, images, assets), encoding="utf-8")
    (folder / "tables.html").write_text(tables_view.render(out, plan_id, images, assets), encoding="utf-8")
    return found


def plan_status(found: Findings, has_output: bool) -> str:
    if found.error:
        return "failed, previous output kept" if has_output else "failed"
    return "extracted" if has_output else "no output"


def share(found: Findings) -> str:
    s = found.keyed_share
    return "" if s is None else f"{s:.0%}"


def plans_table(out: Path, root: Path, plans: list[str], findings: dict[str, Findings]) -> Raw:
    headers = ["plan", "title", "region", "period", "edition", "revision of", "pages", "status", "warnings"]
    headers += ["unparsed", "checks disagree", "rows without key", "rows keyed"]
    numeric = [False] * 6 + [True, False] + [True] * 5
    rows = []
    for plan in plans:
        doc = (read_rows(out, "documents", plan) or [{}])[0]
        f = findings[plan]
        has_report = (root / PLANS / plan / "index.html").is_file()
        name = link(f"{PLANS}/{url_part(plan)}/index.html", plan) if has_report else plan
        status = plan_status(f, bool(doc))
        about = [doc.get(k) for k in ("title", "region", "period", "edition", "revision_of", "page_count")]
        unparsed = len(f.unknown_values) + len(f.unknown_cells)
        rows.append(
            [name, *about, status, len(f.warnings), unparsed, len(f.disagreeing_checks), len(f.unkeyed), share(f)]
        )
    return table(headers, rows, cls="sortable", numeric=numeric, attrs=' id="plans"')


def counts_table(out: Path, root: Path, plans: list[str]) -> Raw:
    names = dataset_names()
    rows = []
    for plan in plans:
        counts = row_counts(out, plan)
        has_report = (root / PLANS / plan / "index.html").is_file()
        name = link(f"{PLANS}/{url_part(plan)}/index.html", plan) if has_report else plan
        rows.append([name, *(counts[n] for n in names)])
    return table(
        ["plan", *names], rows, cls="sortable counts", numeric=[False] + [True] * len(names), attrs=' id="counts"'
    )


def failures_list(plans: list[str], findings: dict[str, Findings]) -> Raw:
    items = []
    for plan in plans:
        f = findings[plan]
        lines = ([f"failed: {f.error}"] if f.error else []) + f.warnings
        if lines:
            items.append(
                f"<li><b>{html.text(plan)}</b><ul>{''.join(f'<li>{html.text(x)}</li>' for x in lines)}</ul></li>"
            )
    return Raw(f"<ul>{''.join(items)}</ul>" if items else '<p class="note">No plan failed or has warnings.</p>')


def write_index(out: Path, root: Path, plans: list[str], findings: dict[str, Findings]) -> Path:
    body = "<h1>Extracted plans</h1>"
    body += section(
        "Plans",
        plans_table(out, root, plans, findings),
        note="Click a column header to sort. Unparsed: indicator values and table cells whose form the value "
        "grammar does not know (parse_status = unknown); rows keyed: indicator rows with an indicator_key.",
    )
    body += section("Rows per dataset", counts_table(out, root, plans), note="Empty: the plan has no such partition.")
    body += section("Failures and warnings", failures_list(plans, findings))
    path = root / "index.html"
    page = html.document("Extracted plans", body, ASSETS, scripts=["sort.js"], nav="<b>plan-pipeline report</b>")
    path.write_text(page, encoding="utf-8")
    return path


def prune_reports(root: Path, keep: set[str]) -> None:
    folder = root / PLANS
    for d in folder.iterdir() if folder.is_dir() else []:
        if d.is_dir() and d.name not in keep:
            shutil.rmtree(d)


def run(out: Path, plan_ids: list[str] | None = None, pdf_dirs: list[Path] | None = None) -> Path:
    """Write the report of `plan_ids` (default: every plan in `out`) and the corpus index; return the report folder.

    The index lists every plan in `out` (and any asked for that is not there); reports of plans no longer in
    `out` are removed."""
    out = Path(out)
    root = out / REPORT
    known = extracted_plans(out)
    wanted = sorted(set(plan_ids)) if plan_ids else known
    plans = sorted(set(known) | set(wanted))
    copy_assets(root)
    prune_reports(root, set(plans))
    folders = pdf_folders(out, pdf_dirs or [])
    runs = last_run(out)
    findings = {}
    for plan in plans:
        if plan in wanted and plan in known:
            findings[plan] = write_plan(out, root, plan, folders, runs.get(plan))
        else:
            findings[plan] = plan_findings(out, plan, runs.get(plan))
    write_index(out, root, plans, findings)
    log.info("report of %d plan(s): %s", len(wanted), root / "index.html")
    return root
