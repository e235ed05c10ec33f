"""The stage contract (pipeline/run/stages.py): who writes each dataset, what each stage reads, and what
its fingerprint covers, so that a rerun redoes exactly the stages a change concerns."""

import filecmp
import shutil
from pathlib import Path

from conftest import FIXTURE_PDFS, PLANS, downstream, isolate_fingerprints, other_value, write_fixture_registry

from pipeline import settings
from pipeline.core import resources
from pipeline.run import extract as extract_mod
from pipeline.run import stages
from pipeline.run.stages import ALL, PERSISTED, PRODUCER, STAGES
from pipeline.storage.registry import load, plan_jobs
from pipeline.storage.store import PART, partition_dir


def schema_names(internal: bool) -> list[str]:
    return sorted(p.stem for p in resources.schema_dir().glob("*.toml") if p.stem.startswith("_") == internal)


def fingerprints() -> dict[str, str]:
    """Every stage's fingerprint as it is now, computed afresh (in a test that called isolate_fingerprints).

    A test takes the fingerprints before and after its change within a moment: another engineer's edit
    of the package in between would change them too."""
    stages.fingerprint.cache_clear()
    return {s.name: stages.fingerprint(s.name) for s in ALL}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def edited_copy(src: Path, dst: Path, name: str, extra: str) -> Path:
    """A copy of a folder with `extra` appended to one of its files (an edit that changes no meaning)."""
    shutil.copytree(src, dst)
    with open(dst / name, "a", encoding="utf-8") as f:
        f.write(extra)
    return dst


def test_every_dataset_is_written_by_exactly_one_stage():
    datasets = schema_names(internal=False)
    assert datasets
    writers = {d: [s.name for s in ALL if d in s.writes] for d in datasets}
    assert {d: len(w) for d, w in writers.items()} == dict.fromkeys(datasets, 1), writers
    # and what the persisted stages write is exactly the declared datasets
    assert sorted(d for s in ALL if s.persisted for d in s.writes) == datasets == sorted(stages.DATASETS)


def test_internal_schemas_belong_to_a_stage():
    assert sorted(x for s in ALL for x in s.schemas) == schema_names(internal=True)


def test_every_read_is_produced_by_an_earlier_stage():
    assert len(STAGES) == len(ALL)
    for i, s in enumerate(ALL):
        for r in s.reads:
            producers = [t.name for t in ALL if r in t.writes]
            assert len(producers) == 1, (s.name, r, producers)
            assert producers[0] in [t.name for t in ALL[:i]], f"{s.name} reads {r} before {producers[0]} writes it"


def test_a_data_file_changes_the_stages_reading_it_and_downstream(tmp_path, monkeypatch):
    """The crosswalk is read by the values stage: it and the stages reading its output (changes) are redone."""
    isolate_fingerprints(monkeypatch)
    before = fingerprints()  # (and the stage modules are imported: they read their data files' paths)
    data = edited_copy(resources.DATA_DIR, tmp_path / "data", "indicator_crosswalk.csv", "\n")
    monkeypatch.setattr(resources, "DATA_DIR", data)
    assert {"values", "changes"} <= downstream("values")
    assert changed(before, fingerprints()) == downstream("values")


def test_a_schema_changes_the_stage_writing_it_and_downstream(tmp_path, monkeypatch):
    """paragraphs is written by the structure stage: it and the stages reading from it (text, changes, and
    whatever reads another of its datasets) are redone."""
    isolate_fingerprints(monkeypatch)
    before = fingerprints()
    schemas = edited_copy(resources.schema_dir(), tmp_path / "schemas", "paragraphs.toml", "\n# edited by a test\n")
    monkeypatch.setenv("PIPELINE_SCHEMAS", str(schemas))
    assert PRODUCER["paragraphs"].name == "structure" and {"structure", "text", "changes"} <= downstream("structure")
    assert changed(before, fingerprints()) == downstream("structure")


def test_a_setting_changes_the_stage_it_belongs_to_and_downstream(monkeypatch):
    isolate_fingerprints(monkeypatch, code_unchanged=True)
    before = fingerprints()
    owner = {section: stage for stage in STAGES for section in stages.settings_sections(stage)}
    for name, declared in settings.declared().items():
        assert name in owner, f"settings [{name}] belong to no stage: no fingerprint covers them"
        f = next(iter(declared.values()))
        value = other_value(f)
        settings.use({name: {f.name: value}})
        try:
            assert settings.describe(name)[f.name] == value
            assert changed(before, fingerprints()) == downstream(owner[name]), name
        finally:
            settings.use({})
        assert fingerprints() == before


def part_files(out: Path, plan: str) -> dict[str, Path]:
    return {d: partition_dir(out, d, plan) / PART for d in stages.DATASETS}


def test_a_changed_data_file_redoes_its_stages_and_parses_nothing(fixture_out, tmp_path, monkeypatch):
    out = tmp_path / "extracted"
    shutil.copytree(fixture_out, out, ignore=shutil.ignore_patterns(".cache"))  # no ingest cache either
    jobs = plan_jobs(list(FIXTURE_PDFS), load(write_fixture_registry(tmp_path / "raw")))
    fingerprint = isolate_fingerprints(monkeypatch)
    assert [r.status for r in extract_mod.extract_plans(jobs, out)] == ["up to date"] * len(PLANS)
    stamps = {(p, d): f.stat().st_mtime_ns for p in PLANS for d, f in part_files(out, p).items()}

    fingerprint.cache_clear()
    data = edited_copy(resources.DATA_DIR, tmp_path / "data", "indicator_crosswalk.csv", "\n")
    monkeypatch.setattr(resources, "DATA_DIR", data)

    def no_parse(self):
        raise AssertionError(f"{self.job.pdf.name} parsed")

    monkeypatch.setattr(extract_mod.PlanRun, "parse", no_parse)
    results = extract_mod.extract_plans(jobs, out)
    redo = [s for s in PERSISTED if s in downstream("values")]  # values, changes
    assert [(r.plan_id, r.status, r.stages, r.parsed) for r in results] == [
        (p, "extracted", redo, False) for p in PLANS
    ]
    redone = {d for s in redo for d in STAGES[s].writes}
    for p in PLANS:
        for d, f in part_files(out, p).items():
            # the other stages' partitions are not rewritten; the redone ones hold the same rows (a blank line)
            assert (f.stat().st_mtime_ns == stamps[p, d]) == (d not in redone), (p, d)
            assert filecmp.cmp(f, part_files(fixture_out, p)[d], shallow=False), (p, d)
    assert [r.status for r in extract_mod.extract_plans(jobs, out)] == ["up to date"] * len(PLANS)
