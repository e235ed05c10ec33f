"""Dataset schemas: read from `schemas/*.toml`, enforced when writing, documented from the same source.

A schema file declares one dataset: its grain, its columns (name, type, nullability,
allowed values, meaning) and the sort order that makes its output deterministic.
`rows_to_table` is the one door into Parquet: a missing or unexpected column, a
value of the wrong type, a null where none is allowed or a value outside the
vocabulary raises `SchemaError` naming the dataset and the column.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from pipeline.core.resources import schema_dir
from pipeline.errors import SchemaError

SCHEMA_DIR = schema_dir()

ARROW_TYPES = {
    "string": pa.string(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
    "bbox": pa.list_(pa.float64(), 4),
    "list<string>": pa.list_(pa.string()),
    "list<int32>": pa.list_(pa.int32()),
    "list<float64>": pa.list_(pa.float64()),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    nullable: bool = True
    enum: tuple[str, ...] | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]


@dataclass(frozen=True)
class Schema:
    name: str
    grain: str
    description: str
    columns: tuple[Column, ...]
    order_by: tuple[str, ...] = ()
    internal: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def arrow(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns])


def schema_from_toml(data: dict[str, Any], source: str) -> Schema:
    try:
        columns = tuple(
            Column(
                name=c["name"],
                type=c["type"],
                description=c.get("description", ""),
                nullable=c.get("nullable", True),
                enum=tuple(c["enum"]) if c.get("enum") else None,
            )
            for c in data["columns"]
        )
        for c in columns:
            if c.type not in ARROW_TYPES:
                raise SchemaError(
                    f"column {c.name!r} has unknown type {c.type!r}", file=source, expected=", ".join(ARROW_TYPES)
                )
        return Schema(
            name=data["name"],
            grain=data.get("grain", ""),
            description=data.get("description", ""),
            columns=columns,
            order_by=tuple(data.get("order_by", ())),
            internal=bool(data.get("internal", False)),
        )
    except KeyError as e:
        raise SchemaError(f"schema file lacks {e.args[0]!r}", file=source) from None


@functools.cache
def load(name: str) -> Schema:
    path = SCHEMA_DIR / f"{name}.toml"
    if not path.exists():
        raise SchemaError(f"no schema declared for dataset {name!r}", file=str(path))
    with open(path, "rb") as f:
        return schema_from_toml(tomllib.load(f), str(path))


def all_schemas(include_internal: bool = False) -> list[Schema]:
    names = sorted(p.stem for p in SCHEMA_DIR.glob("*.toml"))
    schemas = [load(n) for n in names]
    return [s for s in schemas if include_internal or not s.internal]


def rows_to_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Turn a list of row dicts into an Arrow table of the declared schema, or raise SchemaError."""
    schema = load(name)
    wanted = schema.column_names
    for i, row in enumerate(rows):
        keys = set(row)
        if keys != set(wanted):
            missing = [c for c in wanted if c not in keys]
            extra = sorted(keys - set(wanted))
            raise SchemaError(
                f"row {i} of {name!r} does not match its schema (missing {missing}, unexpected {extra})",
                file=str(SCHEMA_DIR / f"{name}.toml"),
                expected=", ".join(wanted),
            )
    if schema.order_by:
        rows = sorted(rows, key=lambda r: tuple(_sort_key(r[c]) for c in schema.order_by))
    arrays = []
    for col in schema.columns:
        values = [r[col.name] for r in rows]
        arrays.append(_column_array(name, col, values))
    return pa.Table.from_arrays(arrays, schema=schema.arrow)


def columns_to_table(name: str, columns: dict[str, list[Any]]) -> pa.Table:
    """Like rows_to_table for data already held column by column (large internal datasets)."""
    schema = load(name)
    if set(columns) != set(schema.column_names):
        raise SchemaError(f"columns for {name!r} do not match its schema", expected=", ".join(schema.column_names))
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise SchemaError(f"columns for {name!r} differ in length: {sorted(lengths)}")
    arrays = [_column_array(name, col, columns[col.name]) for col in schema.columns]
    return pa.Table.from_arrays(arrays, schema=schema.arrow)


def _sort_key(value: Any) -> tuple[bool, Any]:
    # None sorts first, then values of one type compare normally.
    return (value is not None, value if value is not None else 0)


def _column_array(dataset: str, col: Column, values: list[Any]) -> pa.Array:
    if not col.nullable and None in values:
        raise SchemaError(f"{dataset}.{col.name} is null in row {values.index(None)} but is declared not nullable")
    if col.enum is not None:
        bad = [v for v in values if v is not None and v not in col.enum]
        if bad:
            raise SchemaError(
                f"{dataset}.{col.name} holds {bad[0]!r}, outside its vocabulary", expected=" / ".join(col.enum)
            )
    if col.type == "bbox":
        for v in values:
            if v is not None and len(v) != 4:
                raise SchemaError(f"{dataset}.{col.name} holds a bbox of {len(v)} numbers", expected="4")
        values = [None if v is None else [round(float(x), 2) for x in v] for v in values]
    try:
        return pa.array(values, type=col.arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as e:
        sample = next((v for v in values if v is not None), None)
        raise SchemaError(f"{dataset}.{col.name} cannot be stored as {col.type}: {e} (e.g. {sample!r})") from None


def check_table(name: str, table: pa.Table) -> None:
    """Raise SchemaError unless `table` has exactly the declared schema (used on reads and before writes)."""
    want = load(name).arrow
    if not table.schema.equals(want, check_metadata=False):
        raise SchemaError(
            f"dataset {name!r} does not match its declared schema", expected=str(want).replace("\n", "; ")
        )


def data_dictionary_markdown(include_internal: bool = False) -> str:
    """The README's data dictionary, generated from schemas/."""
    out = []
    for s in all_schemas(include_internal):
        out.append(f"### `{s.name}`: one row per {s.grain}\n")
        out.append(f"{s.description}\n")
        out.append("| column | type | null | meaning |")
        out.append("|---|---|---|---|")
        for c in s.columns:
            meaning = c.description.replace("|", "\\|").replace("\n", " ")
            if c.enum:
                meaning += " Values: " + ", ".join(f"`{v}`" for v in c.enum) + "."
            out.append(f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {meaning} |")
        out.append("")
    return "\n".join(out)


DICT_START = "<!-- data-dictionary:start (generated by `make docs` from schemas/; do not edit) -->"
DICT_END = "<!-- data-dictionary:end -->"


def splice_data_dictionary(readme: str) -> str:
    """Replace the README's data-dictionary block with one generated from schemas/."""
    start, end = readme.index(DICT_START), readme.index(DICT_END)
    return readme[: start + len(DICT_START)] + "\n\n" + data_dictionary_markdown() + "\n" + readme[end:]
