"""The researcher's notebook runs against the fixture plans as the current code extracts them, and its plots render."""

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient


@pytest.mark.corpus
def test_indicators_notebook_runs_and_plots(registered_out, monkeypatch):
    monkeypatch.setenv("PLAN_EXTRACTED", str(registered_out))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(ROOT / "notebooks" / "01-indicators.ipynb", as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3
    text = "".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in outputs)
    assert "480" in text and "每千人口拥有社区嵌入式养老机构数" in text  # the revision's changes are shown
    assert "indicators in both" in text
