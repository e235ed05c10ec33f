import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PLAN_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(Path(__file__).parent))


def shared_file(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"{p} is not available (set PLAN_SHARED to the shared folder)")
    return p


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True)


def read(out: Path, dataset: str, plan_id: str | None = None) -> pd.DataFrame:
    path = Path(out) / dataset
    if plan_id is not None:
        path = path / f"plan_id={plan_id}"
    return pd.read_parquet(path)


@pytest.fixture(scope="session")
def fixture_out(tmp_path_factory):
    """Both fixture plans extracted once for the session."""
    out = tmp_path_factory.mktemp("extracted")
    pdfs = [str(shared_file("fixtures/jindong-2021.pdf")), str(shared_file("fixtures/jindong-2022-revision.pdf"))]
    res = run_cli("extract", *pdfs, "--out", str(out), "-q")
    assert res.returncode == 0, res.stderr
    return out


def extract_one(pdf: Path, out: Path) -> dict[str, pd.DataFrame]:
    from pipeline.cli import main

    rc = main(["extract", str(pdf), "--out", str(out), "-q"])
    assert rc == 0
    plan = Path(pdf).stem
    names = ["documents", "pages", "outline", "paragraphs", "sidebars", "sidebar_items", "links"]
    return {n: read(out, n, plan) for n in names}


@pytest.fixture(scope="session")
def registered_out(tmp_path_factory):
    """Both fixture plans extracted with a registry: the 2022 PDF registered as a revision of the 2021 one."""
    import shutil

    base = tmp_path_factory.mktemp("registered")
    raw, out = base / "raw", base / "extracted"
    raw.mkdir()
    for name in ("jindong-2021.pdf", "jindong-2022-revision.pdf"):
        shutil.copy(shared_file(f"fixtures/{name}"), raw)
    (raw / "plans.csv").write_text(
        "file,plan_id,region,admin_level,period,edition,revision_of\n"
        "jindong-2021.pdf,jindong-2021,金华市金东区,district,2021-2025,,\n"
        "jindong-2022-revision.pdf,jindong-2022-revision,金华市金东区,district,2021-2025,2022-06-30,jindong-2021\n",
        encoding="utf-8",
    )
    res = run_cli(
        "extract",
        str(raw / "jindong-2021.pdf"),
        str(raw / "jindong-2022-revision.pdf"),
        "--out",
        str(out),
        "--jobs",
        "2",
        "-q",
    )
    assert res.returncode == 0, res.stderr
    return out
