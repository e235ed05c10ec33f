"""The command line: `pipeline.cli.main` called in this process, and a few runs of the real entry point
(`python -m pipeline`, marked corpus) for what only a subprocess shows: the exit status and stderr."""

from pathlib import Path

import pytest
from conftest import REGISTRY_HEADER, cli, downstream, isolate_fingerprints, other_value, read, run_cli
from pdfbuilder import small_plan

from pipeline import __version__, settings
from pipeline.run.stages import ALL, DATASETS, PERSISTED
from pipeline.storage.schema import DICT_END, DICT_START, data_dictionary_markdown


def test_help_lists_the_commands_and_exit_statuses():
    res = cli("--help")
    assert res.returncode == 0
    for words in ("extract", "schema-docs", "readme-docs", "exit status"):
        assert words in res.stdout
    sub = cli("extract", "--help")
    assert sub.returncode == 0 and "--registry" in sub.stdout and "--jobs" in sub.stdout


def test_version():
    res = cli("--version")
    assert res.returncode == 0 and __version__ in res.stdout


def test_no_command_prints_the_help_and_exits_2():
    res = cli()
    assert res.returncode == 2 and "usage:" in res.stdout


@pytest.mark.parametrize("args", [["extract"], ["extract", "a.pdf", "--jobs", "two"], ["convert", "a.pdf"]])
def test_usage_errors_exit_2(args):
    res = cli(*args)
    assert res.returncode == 2 and "usage:" in res.stderr


def test_schema_docs_prints_the_data_dictionary():
    res = cli("schema-docs")
    assert res.returncode == 0 and res.stdout == data_dictionary_markdown()
    assert all(f"### `{d}`" in res.stdout for d in DATASETS)


def test_readme_docs_regenerates_the_dictionary(tmp_path):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    fresh, stale = tmp_path / "fresh.md", tmp_path / "stale.md"
    fresh.write_text(readme, encoding="utf-8")
    start, end = readme.index(DICT_START) + len(DICT_START), readme.index(DICT_END)
    stale.write_text(readme[:start] + "\nstale\n" + readme[end:], encoding="utf-8")
    assert cli("readme-docs", fresh).returncode == 0 and cli("readme-docs", stale).returncode == 0
    assert stale.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")
    assert data_dictionary_markdown() in fresh.read_text(encoding="utf-8")


def test_extract_reports_each_plan_and_a_summary(tmp_path):
    pdf, out = small_plan(tmp_path / "a.pdf"), tmp_path / "out"
    res = cli("extract", pdf, "--out", out)
    assert res.returncode == 0, res.stderr
    assert f"a: {', '.join(PERSISTED)} redone (parsed)" in res.stderr
    assert "1 plan(s): 1 extracted, 0 up to date, 0 failed; 1 PDF(s) parsed" in res.stderr
    for d in DATASETS:
        assert (out / d / "plan_id=a" / "part-0.parquet").is_file(), d
    # --force redoes an up-to-date plan, from the parsed pages kept in the cache
    again = cli("extract", pdf, "--out", out, "--force")
    assert "a: up to date" not in again.stderr and "(pages from the cache)" in again.stderr
    assert "1 extracted, 0 up to date, 0 failed; 0 PDF(s) parsed" in again.stderr
    # -q: warnings and errors only
    quiet = cli("extract", pdf, "--out", out, "-q")
    assert quiet.returncode == 0 and "up to date" not in quiet.stderr


def test_registry_next_to_the_pdfs_or_named(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    pdf = small_plan(raw / "a.pdf")
    (raw / "plans.csv").write_text(REGISTRY_HEADER + "a.pdf,east-2021,东区,district,2021-2025,,\n", encoding="utf-8")
    assert cli("extract", pdf, "--out", out, "-q").returncode == 0
    doc = read(out, "documents", "east-2021").iloc[0]
    assert (doc.region, doc.admin_level, doc.period) == ("东区", "district", "2021-2025")
    named = tmp_path / "other.csv"
    named.write_text(REGISTRY_HEADER + "a.pdf,west-2021,西区,county,,,\n", encoding="utf-8")
    assert cli("extract", pdf, "--out", out, "--registry", named, "-q").returncode == 0
    assert read(out, "documents", "west-2021").iloc[0].admin_level == "county"


def test_a_bad_registry_is_one_error_line(tmp_path):
    pdf = small_plan(tmp_path / "a.pdf")
    bad = tmp_path / "bad.csv"
    bad.write_text(REGISTRY_HEADER + "a.pdf,a,某区,town,,,\n", encoding="utf-8")
    res = cli("extract", pdf, "--out", tmp_path / "out", "--registry", bad)
    assert res.returncode == 1
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "admin_level" in errors[0] and "bad.csv" in errors[0]
    assert not (tmp_path / "out" / "documents").exists()


def a_setting() -> tuple[str, settings.Declared, float]:
    """A setting of the last stage that has settings (the fewest stages downstream), and another value for it."""
    order = [s.name for s in ALL]
    name = max((n for n in settings.declared() if n in order), key=order.index)
    field = next(iter(settings.declared()[name].values()))
    return name, field, other_value(field)


def test_settings_lists_every_threshold_and_the_active_values(tmp_path):
    res = cli("settings")
    assert res.returncode == 0
    for stage, declared in settings.declared().items():
        for f in declared.values():
            assert f"| `{stage}` | `{f.name}` | {f.default} |" in res.stdout
    name, field, value = a_setting()
    toml = tmp_path / "corpus.toml"
    toml.write_text(f"[{name}]\n{field.name} = {value}\n", encoding="utf-8")
    active = cli("settings", toml)
    assert active.returncode == 0 and f"| `{name}` | `{field.name}` | {value} |" in active.stdout
    assert settings.active_overrides() == {}  # what the command made active is undone (see conftest.cli)
    toml.write_text("[no_such_stage]\nx = 1\n", encoding="utf-8")
    bad = cli("settings", toml)
    errors = [ln for ln in bad.stderr.splitlines() if ln.startswith("error:")]
    assert bad.returncode == 1 and len(errors) == 1 and "no_such_stage" in errors[0]


def test_a_settings_file_redoes_the_stages_it_concerns(tmp_path, monkeypatch):
    isolate_fingerprints(monkeypatch, code_unchanged=True)
    pdf, out = small_plan(tmp_path / "a.pdf"), tmp_path / "out"
    assert cli("extract", pdf, "--out", out, "-q").returncode == 0
    name, field, value = a_setting()
    toml = tmp_path / "corpus.toml"
    toml.write_text(f"[{name}]\n{field.name} = {value}\n", encoding="utf-8")
    redone = ", ".join(s for s in PERSISTED if s in downstream(name))
    res = cli("extract", pdf, "--out", out, "--settings", toml)
    assert res.returncode == 0 and f"a: {redone} redone" in res.stderr, res.stderr
    assert f"{int(name == 'ingest')} PDF(s) parsed" in res.stderr  # parsed pages are cached by ingest's settings
    # back to the defaults: the same stages again
    res = cli("extract", pdf, "--out", out)
    assert res.returncode == 0 and f"a: {redone} redone" in res.stderr, res.stderr
    assert "a: up to date" in cli("extract", pdf, "--out", out).stderr


# ---------------------------------------------------------------- the real entry point


@pytest.mark.corpus
def test_entry_point_help():
    res = run_cli("--help")
    assert res.returncode == 0 and "extract" in res.stdout and not res.stderr


@pytest.mark.corpus
def test_entry_point_extracts_and_exits_0(tmp_path):
    pdf, out = small_plan(tmp_path / "a.pdf"), tmp_path / "out"
    res = run_cli("extract", pdf, "--out", out, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "1 plan(s): 1 extracted, 0 up to date, 0 failed; 1 PDF(s) parsed" in res.stderr
    assert read(out, "outline", "a").label.tolist() == ["第一章"]


@pytest.mark.corpus
def test_entry_point_exit_statuses(tmp_path):
    usage = run_cli("extract")
    assert usage.returncode == 2 and "usage:" in usage.stderr
    bad = tmp_path / "notes.pdf"
    bad.write_text("这不是 PDF 文件\n" * 50, encoding="utf-8")
    good = small_plan(tmp_path / "a.pdf")
    res = run_cli("extract", bad, good, "--out", tmp_path / "out", "-q")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "notes.pdf" in errors[0] and "not a PDF" in errors[0]
    assert "1 of 2 plan(s) failed" in res.stderr
    assert read(tmp_path / "out", "documents").plan_id.astype(str).tolist() == ["a"]
