"""Incremental runs: a registry, revisions and what they changed, no-op reruns, parallel jobs."""

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import (
    BUNDLED_PDF,
    BUNDLED_ROW,
    PLANS,
    REGISTRY_HEADER,
    REVISION_PDF,
    REVISION_ROW,
    ROOT,
    cli,
    content_hashes,
    read,
    run_cli,
    same_parquet,
    write_fixture_registry,
)
from pdfbuilder import small_plan

from pipeline.errors import RegistryError
from pipeline.run import extract as extract_mod
from pipeline.run.stages import DATASETS
from pipeline.storage.registry import load, plan_jobs

HEADER = REGISTRY_HEADER


def test_a_revision_lists_what_it_changed(fixture_out):
    """The session's plans are extracted with a registry that makes the 2022 PDF a revision of the bundled plan."""
    out = fixture_out
    docs = read(out, "documents").set_index("plan_id")
    assert docs.loc["jindong-2022-revision", "revision_of"] == "jindong-2021"
    assert docs.loc["jindong-2022-revision", "edition"] == "2022-06-30"
    assert docs.loc["jindong-2021", "admin_level"] == "district" and docs.loc["jindong-2021", "period"] == "2021-2025"

    ch = read(out, "indicator_changes", "jindong-2022-revision")
    changed = {(r.indicator, r.column, r.old_raw_text, r.new_raw_text) for r in ch[ch.change == "changed"].itertuples()}
    assert changed == {
        ("地区生产总值(GDP)", "2025年目标", "500", "480"),
        ("地区生产总值(GDP)", "年均/累计增长", "＞8.5%", "＞7.5%"),
        ("货物贸易进出口总额", "2025年目标", "500", "600"),
        ("货物贸易进出口总额", "年均/累计增长", "12%", "16%"),
        ("城镇登记失业率", "2025年目标", "＜3.5", "＜3.0"),
    }
    gdp = ch[(ch.indicator == "地区生产总值(GDP)") & (ch.column == "2025年目标")].iloc[0]
    assert (gdp.old_value, gdp.new_value) == (500, 480)
    added = ch[ch.change == "added"]
    assert set(added.indicator) == {"每千人口拥有社区嵌入式养老机构数"}
    assert not (ch.change == "removed").any()
    # the rows renumbered after the inserted one are not changes
    assert len(ch) == 5 + len(added)

    sec = read(out, "section_changes", "jindong-2022-revision")
    touched = sec[sec.sidebars_changed > 0]
    sb13 = read(out, "sidebars", "jindong-2022-revision").set_index("sidebar_label").loc["13"]
    assert list(zip(touched.chapter_no, touched.section_no, strict=True)) == [(sb13.chapter_no, sb13.section_no)]
    assert sec.sidebars_changed.sum() == 1


@pytest.mark.corpus
def test_adding_a_revision_extracts_only_the_revision(tmp_path, fixture_out):
    raw, out = tmp_path / "raw", tmp_path / "extracted"
    raw.mkdir()
    shutil.copy(BUNDLED_PDF, raw)
    (raw / "plans.csv").write_text(HEADER + BUNDLED_ROW, encoding="utf-8")
    first = cli("extract", *sorted(raw.glob("*.pdf")), "--out", out)
    assert first.returncode == 0, first.stderr

    shutil.copy(REVISION_PDF, raw)
    with open(raw / "plans.csv", "a", encoding="utf-8") as f:
        f.write(REVISION_ROW)
    second = cli("extract", *sorted(raw.glob("*.pdf")), "--out", out)
    assert second.returncode == 0, second.stderr
    assert "jindong-2021: up to date" in second.stderr
    assert "1 extracted, 1 up to date, 0 failed; 1 PDF(s) parsed" in second.stderr
    # the same rows as both plans extracted at once (the session's): the changes included
    assert content_hashes(out, PLANS) == content_hashes(fixture_out, PLANS)


def test_second_run_with_no_change_parses_no_pdf(tmp_path):
    pdf = small_plan(tmp_path / "a.pdf")
    out = tmp_path / "out"
    first = cli("extract", pdf, "--out", out)
    assert "1 PDF(s) parsed" in first.stderr
    second = cli("extract", pdf, "--out", out)
    assert second.returncode == 0 and "a: up to date" in second.stderr and "0 PDF(s) parsed" in second.stderr
    # a renamed or copied file with the same bytes is not parsed again either
    copy = tmp_path / "copy.pdf"
    shutil.copy(pdf, copy)
    third = cli("extract", copy, "--out", out)
    assert "0 PDF(s) parsed" in third.stderr and "pages from the cache" in third.stderr
    # a changed PDF is parsed again
    small_plan(pdf, extra="新增一句。")
    fourth = cli("extract", pdf, "--out", out)
    assert "1 PDF(s) parsed" in fourth.stderr
    assert read(out, "paragraphs", "a").text.str.contains("新增一句").any()


@pytest.mark.corpus
def test_make_extract_twice_does_nothing_the_second_time(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    small_plan(raw / "a.pdf")
    make = ["make", "-C", str(ROOT), "extract", f"RAW={raw}", f"OUT={out}"]
    first = subprocess.run(make, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert read(out, "outline", "a").label.tolist() == ["第一章"]
    second = subprocess.run(make, capture_output=True, text=True)
    assert second.returncode == 0 and "pipeline extract" not in second.stdout
    # touched but unchanged: make runs the pipeline, which parses nothing
    (raw / "a.pdf").touch()
    third = subprocess.run(make, capture_output=True, text=True)
    assert "0 PDF(s) parsed" in third.stderr and "a: up to date" in third.stderr


def test_a_code_change_redoes_only_its_stage(tmp_path, monkeypatch):
    pdf = small_plan(tmp_path / "a.pdf")
    out = tmp_path / "out"
    job = plan_jobs([pdf], {})
    extract_mod.extract_plans(job, out)
    real = extract_mod.fingerprint
    monkeypatch.setattr(extract_mod, "fingerprint", lambda s: real(s) + ("x" if s == "values" else ""))
    res = extract_mod.extract_plans(job, out)[0]
    assert res.stages == ["values", "changes"] and not res.parsed  # changes reads values
    res = extract_mod.extract_plans(job, out)[0]
    assert res.status == "up to date"


@pytest.mark.corpus
def test_jobs_1_and_2_write_identical_datasets(tmp_path, fixture_out):
    """The bundled plan parsed afresh by two processes, against the session's (one process, or the ingest cache)."""
    out2 = tmp_path / "jobs2"
    registry = write_fixture_registry(tmp_path / "raw")
    res = run_cli("extract", BUNDLED_PDF, "--out", out2, "--registry", registry, "--jobs", "2", "-q")
    assert res.returncode == 0, res.stderr
    compared = 0
    for part in sorted(Path(fixture_out).glob("*/plan_id=jindong-2021/part-0.parquet")):
        other = out2 / part.relative_to(fixture_out)
        assert same_parquet(part, other), part  # documents: apart from the run's columns
        compared += 1
    assert compared == len(DATASETS)


def test_registry_is_validated(tmp_path):
    p = tmp_path / "plans.csv"
    p.write_text(HEADER + "a.pdf,a,某区,town,2021-2025,,\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="admin_level"):
        load(p)
    p.write_text("file,name\na.pdf,x\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="columns"):
        load(p)
    p.write_text(HEADER + "a.pdf,x,,,,,\nb.pdf,x,,,,,\n", encoding="utf-8")
    first, second = plan_jobs([Path("a.pdf"), Path("b.pdf")], load(p))  # the second file alone fails
    assert first.error is None and first.plan_id == "x"
    assert isinstance(second.error, RegistryError) and "would be plan 'x'" in str(second.error)
    p.write_text(HEADER + "a.pdf,.x,,,,,\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="read back"):
        load(p)


def test_revisions_run_after_the_plan_they_revise():
    reg = {"new.pdf": {"file": "new.pdf", "plan_id": "new", "revision_of": "old"}}
    jobs = plan_jobs([Path("new.pdf"), Path("old.pdf")], reg)
    assert [j.plan_id for j in jobs] == ["old", "new"]


def test_unregistered_plans_get_the_file_stem(tmp_path):
    jobs = plan_jobs([Path("x/jindong-2021.pdf")], {})
    assert jobs[0].plan_id == "jindong-2021" and jobs[0].revision_of is None


def test_prune_removes_plans_whose_pdf_is_gone(tmp_path):
    out = tmp_path / "out"
    a, b = small_plan(tmp_path / "a.pdf"), small_plan(tmp_path / "b.pdf")
    assert cli("extract", a, b, "--out", out, "-q").returncode == 0
    assert cli("extract", a, "--out", out, "--prune", "-q").returncode == 0
    assert set(read(out, "documents").plan_id.astype(str)) == {"a"}
