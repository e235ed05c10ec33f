"""`<out>/datapackage.json`: the extracted datasets as a Frictionless Data Package.

Every dataset declared in `schemas/` gets a Table Schema (`<out>/_schemas/<dataset>.json`:
columns, types, descriptions, allowed values, required columns, primary key), and every
partition file of it (`<dataset>/plan_id=<plan_id>/part-0.parquet`) one resource naming that
schema, its dataset and its plan. A Parquet file cannot be concatenated with another, so a
dataset is not one multipart resource; the `partitioning` property of the package says how
the files make up a dataset (the hive layout, `plan_id` from the path).

Table Schema types: string, integer (int32, int64), number (float64), boolean; list columns
(`bbox`, header paths) are `any` with their Arrow type in `arrowType` (Frictionless reads a
Parquet list as something other than a JSON array). Numeric columns take `nan` as a missing
value: a reader through pandas sees a null integer as NaN. The primary key is the schema's
`primary_key` when it declares one, else its `order_by`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.storage.schema import SCHEMA_DIR, Column, Schema, all_schemas
from pipeline.storage.store import PART

log = logging.getLogger(__name__)

DESCRIPTOR = "datapackage.json"
SCHEMAS = "_schemas"
PARTITION_PREFIX = "plan_id="

TABLE_SCHEMA_TYPES = {
    "string": "string",
    "int32": "integer",
    "int64": "integer",
    "float64": "number",
    "bool": "boolean",
}

# datasets whose order_by does not identify a row (header cells of several lines share row_no 0 and a col_no):
# to move into their schema file as `primary_key = [...]`
PLAN_ID_FIELD = {
    "name": "plan_id",
    "type": "string",
    "description": "The plan (the PDF's file stem unless raw/plans.csv names it), from the partition folder's "
    "name `plan_id=<plan_id>`: pandas, pyarrow, DuckDB, Spark and arrow (R) add it as a column.",
}


def field_descriptor(col: Column, arrow_type: str) -> dict[str, Any]:
    """A Table Schema field for one declared column."""
    kind = TABLE_SCHEMA_TYPES.get(col.type, "any")
    field: dict[str, Any] = {"name": col.name, "type": kind, "description": col.description}
    if kind == "any":
        field["arrowType"] = arrow_type
    constraints: dict[str, Any] = {}
    if not col.nullable:
        constraints["required"] = True
    if col.enum:
        constraints["enum"] = list(col.enum)
    if constraints:
        field["constraints"] = constraints
    field["missingValues"] = ["nan"] if kind in ("integer", "number", "boolean") else []
    return field


def declared_primary_key(schema: Schema) -> list[str]:
    """The schema file's `primary_key`, else its `order_by` (the columns that order a plan's rows)."""
    with open(SCHEMA_DIR / f"{schema.name}.toml", "rb") as f:
        declared = tomllib.load(f).get("primary_key")
    return list(declared or schema.order_by)


def table_schema(schema: Schema) -> dict[str, Any]:
    """The Table Schema of one dataset's partition files (plan_id is in the path, not in the file)."""
    fields = [field_descriptor(c, str(c.arrow_type)) for c in schema.columns]
    out: dict[str, Any] = {"fields": fields}
    key = declared_primary_key(schema)
    if key:
        out["primaryKey"] = key
    return out


def partitions(out: Path, dataset: str) -> list[tuple[str, Path]]:
    """(plan_id, file) for every partition file of a dataset, sorted by plan_id."""
    found = []
    for part in (Path(out) / dataset).glob(f"{PARTITION_PREFIX}*/{PART}"):
        found.append((part.parent.name.removeprefix(PARTITION_PREFIX), part))
    return sorted(found)


def resource_name(dataset: str, plan_id: str, taken: set[str]) -> str:
    """`<dataset>.<plan_id>` within the names Frictionless allows (lower-case letters, digits, `-._/`), unique."""
    slug = unicodedata.normalize("NFKC", plan_id).lower()
    slug = re.sub(r"[^-a-z0-9._]+", "-", slug).strip("-") or "plan"
    name, n = f"{dataset}.{slug}", 1
    while name in taken:
        n += 1
        name = f"{dataset}.{slug}-{n}"
    taken.add(name)
    return name


def resource(out: Path, schema: Schema, plan_id: str, part: Path, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "title": f"{schema.name} of {plan_id}",
        "path": part.relative_to(out).as_posix(),
        "format": "parquet",
        "mediatype": "application/vnd.apache.parquet",
        "schema": f"{SCHEMAS}/{schema.name}.json",
        "dataset": schema.name,
        "plan_id": plan_id,
    }


def dataset_entry(schema: Schema) -> dict[str, Any]:
    return {
        "grain": f"one row per {schema.grain}",
        "description": schema.description,
        "path_pattern": f"{schema.name}/{PARTITION_PREFIX}<plan_id>/{PART}",
        "schema": f"{SCHEMAS}/{schema.name}.json",
    }


def package_descriptor(out: Path, schemas: list[Schema]) -> dict[str, Any]:
    """The package: one resource per partition file found under `out`, the datasets and their layout."""
    taken: set[str] = set()
    resources = [
        resource(out, s, plan_id, part, resource_name(s.name, plan_id, taken))
        for s in schemas
        for plan_id, part in partitions(out, s.name)
    ]
    return {
        "name": "plan-pipeline-extracted",
        "title": "Datasets extracted from development-plan PDFs",
        "description": "Typed datasets read from Chinese local development plans (五年规划纲要) by plan-pipeline "
        f"{__version__}: one Parquet file per dataset and plan; the columns are described in {SCHEMAS}/.",
        "partitioning": {
            "style": "hive",
            "path_pattern": f"<dataset>/{PARTITION_PREFIX}<plan_id>/{PART}",
            "fields": [PLAN_ID_FIELD],
        },
        "datasets": {s.name: dataset_entry(s) for s in schemas},
        "resources": resources,
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_datapackage(out: Path) -> Path:
    """Write `<out>/datapackage.json` and `<out>/_schemas/*.json` for what `out` holds now; return the descriptor."""
    out = Path(out)
    schemas = all_schemas()
    folder = out / SCHEMAS
    folder.mkdir(parents=True, exist_ok=True)
    for s in schemas:
        _write_json(folder / f"{s.name}.json", table_schema(s))
    names = {f"{s.name}.json" for s in schemas}
    for stale in folder.glob("*.json"):
        if stale.name not in names:
            stale.unlink()
    descriptor = package_descriptor(out, schemas)
    path = out / DESCRIPTOR
    _write_json(path, descriptor)
    log.debug("%s: %d resources", path, len(descriptor["resources"]))
    return path
