"""The QA report (`python -m pipeline report`): its data, its pages, and, in headless Chromium, the page view
with its outlines, a click on a cell, and no console error. The one-screen summary after a run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BUNDLED_PDF, FIXTURES, PLANS, ROOT, cli, read
from pdfbuilder import Cell as C
from pdfbuilder import Doc

from pipeline.report import run
from pipeline.report.data import dataset_names
from pipeline.report.findings import LOW_TEXT_QUALITY, plan_findings, text_pages
from pipeline.report.overlay import LAYERS
from pipeline.report.render import file_sha256, find_pdf, render_key, render_pages
from pipeline.report.summary import summarize
from pipeline.run.extract import Result

BUNDLED, REVISION = PLANS
PDF_DIRS = [BUNDLED_PDF.parent, FIXTURES]
ARTIFACTS = ROOT / "build" / "test-artifacts"
SCREENSHOTS = ROOT / "notebooks" / "screenshots"
MAX_REPORT_BYTES = 15_000_000


def copy_extraction(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".cache", ".staging", ".trash", "_report", "_runs"))
    return dst


@pytest.fixture(scope="module")
def bare_report(fixture_out, tmp_path_factory) -> Path:
    """The report of the fixture plans without page images (their PDFs are not where the report looks)."""
    out = copy_extraction(fixture_out, tmp_path_factory.mktemp("report") / "extracted")
    cwd = os.getcwd()
    os.chdir(out.parent)  # no raw/ here: no PDF found, no rendering
    try:
        return run(out)
    finally:
        os.chdir(cwd)


def inline_data(page: Path) -> dict:
    m = re.search(r"window\.PLAN = (\{.*?\});</script>", page.read_text(encoding="utf-8"), re.S)
    assert m, f"{page}: no inline data"
    return json.loads(m.group(1))


def boxes_expected(out: Path, plan: str, page: int, layers: list[str]) -> dict[str, int]:
    """Rows with a box on `page`, per dataset, from the Parquet files."""
    by_name = {layer.dataset: layer for layer in LAYERS}
    found = {}
    for name in layers:
        df = read(out, name, plan)
        found[name] = int((df[by_name[name].page_column] == page).sum())
    return found


# ---------------------------------------------------------------- the report's files and data


def test_report_files_and_index(bare_report, fixture_out):
    index = (bare_report / "index.html").read_text(encoding="utf-8")
    for plan in PLANS:
        assert f'href="plans/{plan}/index.html"' in index
        for page in ("index.html", "pages.html", "tables.html"):
            assert (bare_report / "plans" / plan / page).is_file()
    for name in dataset_names():
        assert f">{name}<" in index  # a column per dataset in the counts table
    assert 'class="sortable' in index and (bare_report / "assets" / "sort.js").is_file()
    counts = read(fixture_out, "table_cells", BUNDLED)
    assert f"<td class=num>{len(counts)}</td>" in index


def test_page_view_data_has_a_box_for_every_row_with_a_bbox(bare_report, fixture_out):
    data = inline_data(bare_report / "plans" / BUNDLED / "pages.html")
    assert [p["page"] for p in data["pages"]] == read(fixture_out, "pages", BUNDLED).page.tolist()
    assert all(p["img"] is None for p in data["pages"])  # no PDF: no image
    names = [layer["name"] for layer in data["layers"]]
    assert names == [layer.dataset for layer in LAYERS]
    for i, layer in enumerate(LAYERS):
        rows = read(fixture_out, layer.dataset, BUNDLED)
        boxes = [b for page in data["boxes"].values() for b in page if b[0] == i]
        assert len(boxes) == len(rows) == len(data["rows"][layer.dataset]), layer.dataset
        if len(rows):
            first = rows.iloc[0]
            row = dict(zip(data["layers"][i]["columns"], data["rows"][layer.dataset][0], strict=True))
            assert row["bbox"] == pytest.approx(list(first["bbox"]))


def test_table_view_has_every_cell(bare_report, fixture_out):
    page = (bare_report / "plans" / BUNDLED / "tables.html").read_text(encoding="utf-8")
    tables = read(fixture_out, "tables", BUNDLED)
    cells = read(fixture_out, "table_cells", BUNDLED)
    assert page.count('<section class="tview"') == len(tables)
    assert len(re.findall(r'<t[dh] class="cell[^"]*" data-c=', page)) == len(cells)
    assert page.count('class="cbox"') == len(cells)  # every cell outlined on its page's crop
    assert "the PDF was not found" in page


def test_overview_lists_what_to_check(bare_report, fixture_out):
    checks = read(fixture_out, "indicator_checks", BUNDLED)
    found = plan_findings(fixture_out, BUNDLED)
    assert len(found.disagreeing_checks) == int((~checks.agrees).sum())
    values = read(fixture_out, "indicator_values", BUNDLED)
    assert len(found.unknown_values) == int((values.parse_status == "unknown").sum())
    rows = values.drop_duplicates(["table_id", "row_no"])
    assert found.indicator_rows == len(rows) and found.keyed_rows == int(rows.indicator_key.notna().sum())
    page = (bare_report / "plans" / BUNDLED / "index.html").read_text(encoding="utf-8")
    assert f"Indicator checks that disagree ({len(found.disagreeing_checks)})" in page
    for c in found.disagreeing_checks:
        assert f"pages.html#p={c['page']}" in page


def test_pages_read_by_ocr_or_of_low_quality_are_listed():
    pages = [
        {"page": 1, "text_source": "pdf", "text_quality": 1.0},
        {"page": 2, "text_source": "ocr", "text_quality": 0.97},
        {"page": 3, "text_source": "pdf", "text_quality": LOW_TEXT_QUALITY - 0.1},
    ]
    found, note = text_pages(pages)
    assert [p["page"] for p in found] == [2, 3] and "text_quality" in note
    found, note = text_pages([{"page": 1, "text": "x"}])
    assert found == [] and "text layer" in note


def test_failures_and_warnings_from_the_run_log(fixture_out, tmp_path, monkeypatch):
    out = copy_extraction(fixture_out, tmp_path / "extracted")
    log = {
        "plans": [
            {"plan_id": BUNDLED, "status": "up to date", "file": "gone/x.pdf", "warnings": ["a warning"]},
            {"plan_id": "broken", "status": "failed", "file": "raw/broken.pdf", "line": "broken.pdf: not a PDF"},
        ]
    }
    (out / "_runs").mkdir()
    (out / "_runs" / "20000101T000000Z-1.json").write_text(json.dumps({"plans": []}))
    (out / "_runs" / "20990101T000000Z-1.json").write_text(json.dumps(log))  # the latest run
    monkeypatch.chdir(tmp_path)
    root = run(out, [BUNDLED, "broken"])
    index = (root / "index.html").read_text(encoding="utf-8")
    assert "broken.pdf: not a PDF" in index and "a warning" in index
    assert ">failed<" in index and ">extracted<" in index
    overview = (root / "plans" / BUNDLED / "index.html").read_text(encoding="utf-8")
    assert "a warning" in overview


def test_report_command(fixture_out, tmp_path, monkeypatch):
    out = copy_extraction(fixture_out, tmp_path / "extracted")
    monkeypatch.chdir(tmp_path)
    res = cli("report", BUNDLED, "--out", out, "-q")
    assert res.returncode == 0, res.stderr
    assert str(out / "_report" / "index.html") in res.stdout
    assert (out / "_report" / "plans" / BUNDLED / "pages.html").is_file()
    assert not (out / "_report" / "plans" / REVISION).exists()  # only the plan asked for
    assert (out / "datapackage.json").is_file()
    assert cli("report", "--out", tmp_path / "nothing").returncode == 1


def test_the_pdf_is_found_by_name_and_hash(tmp_path):
    sha = file_sha256(BUNDLED_PDF)
    assert find_pdf(BUNDLED_PDF.name, sha, [tmp_path, BUNDLED_PDF.parent]) == BUNDLED_PDF
    (tmp_path / BUNDLED_PDF.name).write_bytes(b"%PDF-1.4 another file")
    assert find_pdf(BUNDLED_PDF.name, sha, [tmp_path]) is None


def test_page_images_are_rendered_once(tmp_path):
    folder = tmp_path / "img"
    key = render_key("x")
    images = render_pages(BUNDLED_PDF, folder, key, pages=[1, 2])
    assert images == {1: "p001.webp", 2: "p002.webp"}
    first = (folder / "p001.webp").stat().st_mtime_ns
    assert 5_000 < (folder / "p001.webp").stat().st_size < 400_000
    render_pages(BUNDLED_PDF, folder, key, pages=[1, 2])
    assert (folder / "p001.webp").stat().st_mtime_ns == first  # up to date: not rendered again
    render_pages(BUNDLED_PDF, folder, render_key("y"), pages=[1])
    assert (folder / "p001.webp").stat().st_mtime_ns != first


# ---------------------------------------------------------------- the summary after a run


def test_summary_per_plan_and_batch(fixture_out):
    from pipeline.errors import PipelineError

    results = [
        Result(BUNDLED, "extracted", stages=["structure"], counts={"pages": 3}),
        Result(REVISION, "up to date"),
        Result("broken", "failed", error=PipelineError("broken.pdf: not a PDF")),
    ]
    text = summarize(results, fixture_out)
    lines = text.splitlines()
    assert len(lines) < 25 and max(len(x) for x in lines if str(fixture_out) not in x) <= 100  # one screen
    bundled = next(x for x in lines if x.startswith(BUNDLED + " "))
    assert bundled.split()[1:3] == ["extracted", "3"]  # what the run wrote
    revision = next(x for x in lines if x.startswith(REVISION))
    assert str(len(read(fixture_out, "pages", REVISION))) in revision.split()  # read back from the output
    assert "3 plan(s): 1 extracted, 1 up to date, 1 failed" in text
    assert "failed: broken: broken.pdf: not a PDF" in text
    sidebars = len(read(fixture_out, "sidebars", REVISION)) * 2  # the batch's totals cover every dataset
    assert f"sidebars {sidebars}" in text and "terms" in text
    assert "python -m pipeline report" in text


# ---------------------------------------------------------------- in a real browser


def chromium() -> str:
    """Debian's Chromium: found, or installed with apt-get when the tests run as root (as in CI)."""
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update"], check=True, capture_output=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=True, capture_output=True, env=env)
        return shutil.which("chromium") or "/usr/bin/chromium"
    pytest.skip("Chromium is not installed (apt-get install chromium)")


# a plan of another district whose first page holds a sidebar and a table (the bundled plan has no such page)
DEMO = "demo-sidebar-and-table"


def sidebar_and_table_plan(path: Path) -> Path:
    """One page: a chapter heading, a paragraph, a sidebar of two projects and a ruled indicator table."""
    d = Doc(str(path))
    d.heading("第一章 发展基础", 20)
    d.paragraph("“十三五”时期，全区经济总量稳步扩大，城乡面貌明显改善，生态环境持续向好，民生保障不断加强。")
    d.sidebar(
        "专栏 1 重大项目",
        ["1.滨江科创园：总投资 45 亿元，建设研发楼宇和中试基地。", "2.东部综合交通枢纽：总投资 28 亿元。"],
    )
    header = [[C("类别"), C("序号"), C("指标名称"), C("2020年"), C("2025年目标"), C("属性")]]
    body = [
        [C("经济发展", rowspan=2), C("1"), C("地区生产总值（亿元）"), C("612.4"), C("850"), C("预期性")],
        [C("2"), C("常住人口城镇化率（%）"), C("63.5"), C("68"), C("预期性")],
        [C("创新驱动"), C("3"), C("研发经费支出占比（%）"), C("2.1"), C("[2.8]"), C("预期性")],
    ]
    d.table("表1 主要指标", header, body, [55, 30, 150, 55, 60, 50])
    return Path(d.save())


@pytest.fixture(scope="module")
def full_report(fixture_out, tmp_path_factory) -> Path:
    """The report of the bundled plan, its revision and the demo plan, with page images."""
    out = copy_extraction(fixture_out, tmp_path_factory.mktemp("full-report") / "extracted")
    demo = sidebar_and_table_plan(tmp_path_factory.mktemp("demo") / f"{DEMO}.pdf")
    res = cli("extract", demo, "--out", out, "-q")
    assert res.returncode == 0, res.stderr
    return run(out, pdf_dirs=[*PDF_DIRS, demo.parent])


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        yield b
        b.close()


def open_page(browser, url: str, errors: list[str], width: int = 1400, height: int = 1000):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.on(
        "console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"failed request: {r.url}"))
    page.goto(url)
    page.wait_for_load_state("load")
    return page


def pages_to_check(out: Path) -> list[tuple[str, int]]:
    """The bundled plan's first page with a sidebar and its first with a table (none holds both), and the demo
    plan's page that holds both."""
    sidebars = set(read(out, "sidebars", BUNDLED).page_start)
    tables = set(read(out, "table_cells", BUNDLED).page)
    both = set(read(out, "sidebars", DEMO).page_start) & set(read(out, "table_cells", DEMO).page)
    assert both, "the demo plan has a page with a sidebar and a table"
    return [(BUNDLED, min(sidebars)), (BUNDLED, min(tables)), (DEMO, min(both))]


def save(page, name: str) -> Path:
    """A screenshot as a test artefact (build/test-artifacts/); with UPDATE_SCREENSHOTS, also the README's
    picture, in 128 colours to keep it small."""
    from PIL import Image

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_SCREENSHOTS"):  # make screenshots
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        small = Image.open(path).convert("RGB").quantize(colors=128, method=Image.Quantize.FASTOCTREE)
        small.save(SCREENSHOTS / name, optimize=True)
    return path


@pytest.mark.corpus
def test_report_size(full_report):
    size = sum(f.stat().st_size for f in (full_report / "plans" / BUNDLED).rglob("*") if f.is_file())
    assert size < MAX_REPORT_BYTES, f"{size / 1e6:.1f} MB"
    assert len(list((full_report / "plans" / BUNDLED / "img").glob("*.webp"))) == len(
        read(full_report.parent, "pages", BUNDLED)
    )


@pytest.mark.corpus
def test_page_view_in_chromium(full_report, browser):
    out = full_report.parent
    layers = [layer.dataset for layer in LAYERS if layer.on]
    errors: list[str] = []
    for plan, number in pages_to_check(out):
        url = (full_report / "plans" / plan / "pages.html").as_uri() + f"#p={number}"
        page = open_page(browser, url, errors, width=1280, height=1200)
        img = page.locator("#page-img")
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), "the page image is shown"
        expected = boxes_expected(out, plan, number, layers)
        for name, n in expected.items():
            assert page.locator(f'#overlay .box[data-layer="{name}"]').count() == n, (number, name)
        assert page.locator("#overlay .box").count() == sum(expected.values())
        if expected["sidebars"]:
            page.locator('#overlay .box[data-layer="sidebars"]').first.hover(position={"x": 2, "y": 2})
            assert "sidebar_seq" in page.locator("#details").inner_text()
        if expected["table_cells"]:
            cell = page.locator('#overlay .box[data-layer="table_cells"]').nth(expected["table_cells"] // 2)
            row = int(cell.get_attribute("data-ri"))
            cell.click()
            text = read(out, "table_cells", plan).iloc[row]["text"]
            assert page.locator('#details td[data-column="text"]').inner_text() == text
            assert page.locator(".box.pinned").count() == 1
        if expected["sidebars"] and expected["tables"]:
            save(page, "report-page.png")
        page.locator('.layers input[value="table_cells"]').uncheck()
        assert page.locator('#overlay .box[data-layer="table_cells"]').count() == 0  # the dataset filter
        if number < len(read(out, "pages", plan)):
            page.locator("#next").click()
            assert page.locator("#pageno").input_value() == str(number + 1)
        page.close()
    assert errors == []


@pytest.mark.corpus
def test_index_and_table_view_in_chromium(full_report, browser):
    errors: list[str] = []
    page = open_page(browser, (full_report / "index.html").as_uri(), errors, width=1280, height=560)
    assert page.locator("#plans tbody tr").count() == len(PLANS) + 1  # and the demo plan
    page.locator("#plans thead th", has_text="plan").first.click()
    page.locator("#plans thead th", has_text="plan").first.click()  # descending
    assert page.locator("#plans tbody tr").first.inner_text().startswith(REVISION)
    save(page, "report-index.png")
    page.locator(f'#counts a[href="plans/{BUNDLED}/index.html"]').click()
    assert page.url.endswith(f"plans/{BUNDLED}/index.html")
    page.close()
    page = open_page(browser, (full_report / "plans" / BUNDLED / "tables.html").as_uri(), errors)
    cell = page.locator(".tview").first.locator("td.cell").nth(10)
    cell.click()
    index = cell.get_attribute("data-c")
    assert "pinned" in page.locator(".tview").first.locator(f'.cbox[data-c="{index}"]').get_attribute("class")
    assert cell.inner_text() in page.locator(".tview .detail").first.inner_text()
    page.close()
    assert errors == []


def test_layers_are_drawn_in_their_own_colours():
    colours = [layer.colour for layer in LAYERS]
    assert len(set(colours)) == len(colours)
