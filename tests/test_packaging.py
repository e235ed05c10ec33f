"""The package as users get it: what pyproject.toml ships, and the wheel installed in a fresh virtual
environment outside the repository (dependencies from the package index as configured on the machine)."""

import os
import shutil
import subprocess
import sys
import tomllib
import unicodedata
import zipfile
from pathlib import Path

import pytest
from conftest import BUNDLED_PDF, ROOT, expected, read

from pipeline.run.stages import DATASETS

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
# what a build does not need (a clean copy: setuptools would put stale files of build/lib in the wheel)
NOT_BUILT = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "extracted")
NOT_BUILT += ("tests", "raw", "notebooks")


def package_folder(package: str) -> Path:
    return ROOT / SETUPTOOLS.get("package-dir", {}).get(package, package.replace(".", "/"))


def test_every_package_folder_is_listed():
    folders = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "pipeline").rglob("__init__.py")
        if "__pycache__" not in p.parts
    }
    listed = set(SETUPTOOLS["packages"])
    assert folders - listed == set(), "add them to [tool.setuptools] packages in pyproject.toml"
    assert all(package_folder(p).is_dir() for p in listed)


def test_package_data_covers_every_schema_and_data_file():
    def shipped(package: str) -> set[Path]:
        globs = SETUPTOOLS.get("package-data", {}).get(package, [])
        return {p for g in globs for p in package_folder(package).glob(g) if p.is_file()}

    schemas = set((ROOT / "schemas").glob("*.toml"))
    data = {p for p in (ROOT / "pipeline" / "data").iterdir() if p.is_file()}
    assert schemas and data
    assert schemas <= shipped("pipeline.schemas") and data <= shipped("pipeline")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`pip wheel --no-deps` of a clean copy of the repository (build isolation as for any user)."""
    src, dist = tmp_path_factory.mktemp("src") / "plan-pipeline", tmp_path_factory.mktemp("dist")
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(*NOT_BUILT))
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr
    (whl,) = dist.glob("*.whl")
    return whl


@pytest.mark.corpus
def test_the_wheel_carries_every_module_schema_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "pipeline").rglob("*.py") if "__pycache__" not in p.parts
    }
    assert {n for n in names if n.startswith("pipeline/") and n.endswith(".py")} == modules
    assert {f"pipeline/schemas/{p.name}" for p in (ROOT / "schemas").glob("*.toml")} <= names
    assert {f"pipeline/data/{p.name}" for p in (ROOT / "pipeline" / "data").iterdir() if p.is_file()} <= names


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


@pytest.mark.corpus
def test_the_wheel_installs_and_extracts_outside_the_repository(wheel, tmp_path):
    env_dir, work, out = tmp_path / "venv", tmp_path / "work", tmp_path / "work" / "extracted"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIPELINE_SCHEMAS", "VIRTUAL_ENV")}
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    py = str(env_dir / "bin" / "python")
    res = subprocess.run([py, "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*args], cwd=work, env=env, capture_output=True, text=True, timeout=900)

    where = run(py, "-c", "import pipeline; print(pipeline.__file__)")
    assert where.stdout.startswith(str(env_dir)), where.stdout + where.stderr  # the wheel's, not the repository's
    assert run(str(env_dir / "bin" / "plan-pipeline"), "--help").returncode == 0
    res = run(py, "-m", "pipeline", "extract", str(BUNDLED_PDF), "--out", str(out), "-q")
    assert res.returncode == 0, res.stderr
    for d in DATASETS:
        assert (out / d / "plan_id=jindong-2021" / "part-0.parquet").is_file(), d
    outline = read(out, "outline", "jindong-2021")
    chapters = outline[outline.level == "chapter"]
    assert [(c.chapter_no, norm(c.title)) for c in chapters.itertuples()] == [
        (c["chapter_no"], norm(c["title"])) for c in expected("jindong-2021")["chapters"]
    ]
