"""The researcher's notebooks: committed with their outputs, which a fresh run on the fixture plans (the bundled
plan and its revision, as the current code extracts them) reproduces; plots with Chinese labels and no glyph
missing from the font. `make notebooks` (UPDATE_NOTEBOOKS=1) writes the fresh outputs back."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, read
from nbclient import NotebookClient

FOLDER = ROOT / "notebooks"
NOTEBOOKS = ["01-indicators.ipynb", "02-text.ipynb"]
MIN_IMAGES = {"01-indicators.ipynb": 3, "02-text.ipynb": 3}
MISSING_GLYPH = "missing from font"


def execute(path: Path, extracted: Path, monkeypatch: pytest.MonkeyPatch) -> nbformat.NotebookNode:
    monkeypatch.setenv("PLAN_EXTRACTED", str(extracted))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(FOLDER)}}
    )
    client.execute()
    nb.metadata.get("language_info", {}).pop("version", None)  # the machine's Python: not the notebook's
    return nb


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


def normalised(nb: nbformat.NotebookNode) -> list[list[tuple]]:
    """Per code cell, what it shows: stdout, text and HTML of results, errors, and a placeholder per image.
    Left out: execution counts, metadata, stderr (a fresh machine's font-cache notice), image bytes (they follow
    the matplotlib version)."""
    cells = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        shown: list[tuple] = []
        for o in c.get("outputs", []):
            if o["output_type"] == "stream" and o["name"] == "stdout":
                shown.append(("stdout", o["text"]))
            elif o["output_type"] in ("execute_result", "display_data"):
                data = o.get("data", {})
                shown += [(k, "<image>" if k.startswith("image/") else data[k]) for k in sorted(data)]
            elif o["output_type"] == "error":
                shown.append(("error", o["ename"], o["evalue"]))
        cells.append(shown)
    return cells


def streams(nb: nbformat.NotebookNode, name: str) -> str:
    return "".join(o.get("text", "") for o in outputs(nb) if o["output_type"] == "stream" and o["name"] == name)


def images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for o in outputs(nb))


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_are_committed_with_their_outputs(name):
    nb = nbformat.read(FOLDER / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code), "run `make notebooks`"
    assert images(nb) >= MIN_IMAGES[name]
    assert not [o for o in outputs(nb) if o["output_type"] == "error"]
    assert MISSING_GLYPH not in streams(nb, "stderr")


@pytest.mark.corpus
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_outputs_match_a_fresh_run(name, registered_out, monkeypatch):
    path = FOLDER / name
    fresh = execute(path, registered_out, monkeypatch)
    assert not [o for o in outputs(fresh) if o["output_type"] == "error"]
    assert MISSING_GLYPH not in streams(fresh, "stderr"), "a label drawn in a font without its glyphs"
    assert images(fresh) >= MIN_IMAGES[name]
    if os.environ.get("UPDATE_NOTEBOOKS"):
        nbformat.write(fresh, path)
    assert normalised(fresh) == normalised(nbformat.read(path, as_version=4)), "run `make notebooks`"


def cell_text(nb: nbformat.NotebookNode, marker: str) -> str:
    """The text its outputs show, of the code cell whose source holds `marker`."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and marker in c.source)
    return "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in cell.get("outputs", []))


def test_indicators_notebook_keeps_cumulative_targets_apart(fixture_out):
    nb = nbformat.read(FOLDER / "01-indicators.ipynb", as_version=4)
    text = "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in outputs(nb))
    assert "480" in text and "每千人口拥有社区嵌入式养老机构数" in text  # the revision's changes are shown
    assert "indicators in both" in text
    values = read(fixture_out, "indicator_values", "jindong-2021")
    tables = read(fixture_out, "indicator_tables", "jindong-2021")
    targets = values[values.table_id.isin(tables[tables.kind == "targets"].table_id)]
    cumulative = set(targets[targets.is_cumulative & (targets.measure == "target")].indicator)
    assert cumulative, "the bundled plan has cumulative [ ] targets"
    base_target, apart = cell_text(nb, "base_target = base.merge"), cell_text(nb, "cum = (")
    for name in cumulative:  # a [ ] total is never set against a yearly base: it is shown apart
        assert name not in base_target and name in apart


def test_cjk_font_draws_every_label_of_the_plans(fixture_out):
    """Indicator names, sidebar titles and entity names drawn with the project's CJK font: no glyph falls back to
    the missing-glyph box (matplotlib warns `Glyph … missing from font(s)`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from pipeline.report.fonts import cjk_font_path, use_cjk_font

    name = use_cjk_font()
    assert cjk_font_path().is_file() and "site-packages" in str(cjk_font_path())  # from the package index
    assert cjk_font_path() in {Path(f.fname) for f in font_manager.fontManager.ttflist}  # registered
    found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    assert font_manager.get_font(found).family_name == name  # it, or the same face installed on the machine
    labels = set(read(fixture_out, "indicator_values").indicator) | set(read(fixture_out, "sidebars").title)
    labels |= set(read(fixture_out, "entities").text)
    chars = "".join(sorted(set("".join(labels)) - {"\n"}))  # every character of them, once
    fig, ax = plt.subplots(figsize=(8, 8))
    ax.text(0, 0, "\n".join(chars[i : i + 60] for i in range(0, len(chars), 60)), fontsize=6)
    ax.set_title(f"{name}: −1.5%，“十四五”（亿元）")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    assert not [w for w in caught if MISSING_GLYPH in str(w.message)]
