"""`extracted/datapackage.json`: a Frictionless Data Package of every dataset, from schemas/, that the
`frictionless` library validates against the extracted files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import PLANS

from pipeline.storage.datapackage import DESCRIPTOR, SCHEMAS, resource_name, write_datapackage
from pipeline.storage.schema import all_schemas


@pytest.fixture(scope="module")
def package(fixture_out, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("datapackage") / "extracted"
    shutil.copytree(fixture_out, out, ignore=shutil.ignore_patterns(".cache", ".staging", ".trash", "_report", "_runs"))
    return write_datapackage(out)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_dataset_and_partition_is_described(package):
    desc = load(package)
    schemas = all_schemas()
    assert sorted(desc["datasets"]) == sorted(s.name for s in schemas)
    names = [r["name"] for r in desc["resources"]]
    assert len(names) == len(set(names)) == len(schemas) * len(PLANS)
    for r in desc["resources"]:
        part = package.parent / r["path"]
        assert part.is_file() and r["plan_id"] in PLANS and r["path"].startswith(f"{r['dataset']}/plan_id=")
        schema = load(package.parent / r["schema"])
        assert [f["name"] for f in schema["fields"]] == pq.read_schema(part).names  # plan_id is in the path


def test_columns_types_descriptions_and_keys_come_from_the_schemas(package):
    for s in all_schemas():
        fields = {f["name"]: f for f in load(package.parent / SCHEMAS / f"{s.name}.json")["fields"]}
        table = load(package.parent / SCHEMAS / f"{s.name}.json")
        for c in s.columns:
            f = fields[c.name]
            assert f["description"] == c.description
            assert f.get("constraints", {}).get("required", False) == (not c.nullable)
            assert f.get("constraints", {}).get("enum") == (list(c.enum) if c.enum else None)
            expected = {"string": "string", "int32": "integer", "float64": "number", "bool": "boolean"}
            assert f["type"] == expected.get(c.type, "any"), (s.name, c.name)
        assert set(table.get("primaryKey", [])) <= set(fields)


def test_resource_names_are_what_frictionless_allows():
    taken: set[str] = set()
    names = [resource_name("pages", p, taken) for p in ("jindong-2021", "金东 2021", "Plan#1", "金东 2021")]
    assert names[0] == "pages.jindong-2021" and len(set(names)) == 4
    assert all(set(n) <= set("abcdefghijklmnopqrstuvwxyz0123456789-._/") for n in names)


def test_small_resources_validate(package):
    from frictionless import Package

    pkg = Package(str(package))
    small = [r.name for r in pkg.resources if r.custom.get("dataset") in ("documents", "tables", "indicator_checks")]
    assert len(small) == 3 * len(PLANS)
    for name in small:
        report = pkg.get_resource(name).validate()
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.corpus
def test_frictionless_validate_passes(package):
    """`frictionless validate extracted/datapackage.json`, as a user would run it."""
    cmd = [str(Path(sys.executable).parent / "frictionless"), "validate", DESCRIPTOR, "--json"]
    res = subprocess.run(cmd, cwd=package.parent, capture_output=True, text=True, timeout=600)
    report = json.loads(res.stdout)
    problems = [
        (t["name"], e["type"], e.get("note"), e.get("fieldName")) for t in report["tasks"] for e in t["errors"][:3]
    ]
    assert report["valid"] and res.returncode == 0, problems[:20]
    assert {t["name"] for t in report["tasks"]} == {r["name"] for r in load(package)["resources"]}
