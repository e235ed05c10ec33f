"""Schemas are enforced at write time and documented from the same source; plan partitions swap atomically."""

import os
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import settings
from pipeline.errors import SchemaError
from pipeline.storage import schema, store

ROOT = Path(__file__).resolve().parent.parent


def link_row(**kw):
    row = {"page": 1, "link_no": 1, "text": "数字贸易", "uri": "https://example.com", "bbox": [1.0, 2.0, 3.0, 4.0]}
    row.update(kw)
    return row


def test_rows_to_table_accepts_a_good_row():
    t = schema.rows_to_table("links", [link_row()])
    assert t.schema.equals(schema.load("links").arrow)


@pytest.mark.parametrize(
    "bad,words",
    [
        ({"uri": None}, "not nullable"),
        ({"page": "one"}, "cannot be stored as int32"),
        ({"bbox": [1.0, 2.0]}, "bbox of 2"),
    ],
)
def test_rows_to_table_rejects_bad_values(bad, words):
    with pytest.raises(SchemaError, match=words):
        schema.rows_to_table("links", [link_row(**bad)])


def test_rows_to_table_rejects_missing_and_unexpected_columns():
    row = link_row()
    del row["uri"]
    row["url"] = "x"
    with pytest.raises(SchemaError, match=r"missing \['uri'\], unexpected \['url'\]"):
        schema.rows_to_table("links", [row])


def test_vocabulary_is_enforced():
    outline = schema.load("outline")
    samples = {"int32": 1, "int64": 1, "string": "第一章", "bbox": [0, 0, 1, 1], "float64": 1.0, "bool": False}
    samples.update({"list<string>": [], "list<float64>": []})
    row = {c.name: samples[c.type] if not c.nullable else None for c in outline.columns}
    row["level"] = "chapter"
    assert schema.rows_to_table("outline", [row]).num_rows == 1
    row["level"] = "volume"
    with pytest.raises(SchemaError, match="outside its vocabulary"):
        schema.rows_to_table("outline", [row])


def test_every_schema_declares_types_and_meanings():
    for s in schema.all_schemas(include_internal=True):
        assert s.grain and s.description, s.name
        for c in s.columns:
            assert c.description, f"{s.name}.{c.name} has no description"
        for col in s.order_by:
            assert col in s.column_names


def test_contract_columns_are_declared():
    required = {
        "documents": ["title", "source_file", "source_sha256", "page_count", "pipeline_version"],
        "pages": ["page", "printed_page", "width", "height", "text"],
        "outline": ["level", "chapter_no", "section_no", "label", "title", "page_start", "page_end"],
        "paragraphs": ["chapter_no", "section_no", "para_no", "lead", "text", "page_start", "page_end"],
        "sidebars": [
            "sidebar_seq",
            "sidebar_label",
            "title",
            "chapter_no",
            "section_no",
            "text",
            "page_start",
            "page_end",
        ],
        "sidebar_items": ["sidebar_seq", "item_no", "item_label", "heading", "text", "lead_agency"],
        "links": ["page", "text", "uri"],
    }
    for name, cols in required.items():
        assert set(cols) <= set(schema.load(name).column_names), name


def test_readme_data_dictionary_is_generated_from_schemas():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert schema.splice_data_dictionary(readme) == readme, "run `make docs`"


def test_readme_settings_table_is_generated_from_the_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings.SETTINGS_START in readme
    assert settings.splice_settings(readme) == readme, "run `make docs`"


def test_write_is_atomic_and_replaces_a_plan_as_a_whole(tmp_path):
    out = tmp_path / "out"
    t1 = schema.rows_to_table("links", [link_row()])
    store.write_plan(out, "p1", {"links": t1})
    store.write_plan(out, "p2", {"links": t1})
    # a failing write (a table that does not match its schema) leaves the old partition in place
    bad = t1.rename_columns(["page", "link_no", "text", "url", "bbox"])
    with pytest.raises(SchemaError):
        store.write_plan(out, "p1", {"links": schema.rows_to_table("links", [link_row(text="新")]), "sidebars": bad})
    df = pd.read_parquet(out / "links")
    assert sorted(df.plan_id.astype(str)) == ["p1", "p2"] and set(df.text) == {"数字贸易"}
    assert [g.name for g in (out / ".plans" / "p1").iterdir() if g.name != "current"] == [
        Path(os.readlink(out / ".plans" / "p1" / "current")).name
    ], "the failed generation is gone"
    # files do not repeat plan_id: readers take it from the path
    assert "plan_id" not in pq.read_schema(out / "links" / "plan_id=p1" / "part-0.parquet").names


def test_a_write_carries_over_the_datasets_it_does_not_redo(tmp_path):
    out = tmp_path / "out"
    store.write_plan(out, "p1", {"links": schema.rows_to_table("links", [link_row(text="旧")])})
    store.write_plan(out, "p1", {"sidebars": schema.rows_to_table("sidebars", [])}, {".manifests/p1.json": b"{}"})
    assert list(pd.read_parquet(out / "links").text) == ["旧"]
    assert (out / "sidebars" / "plan_id=p1" / "part-0.parquet").exists()
    assert (out / ".manifests" / "p1.json").read_bytes() == b"{}"
    assert len([g for g in (out / ".plans" / "p1").iterdir()]) == 2  # current and its generation


def test_a_generation_never_switched_to_is_discarded(tmp_path):
    out = tmp_path / "out"
    store.write_plan(out, "p1", {"links": schema.rows_to_table("links", [link_row(text="旧")])})
    # a writer killed before its switch (its pid gone): its generation is there, not current
    orphan = out / ".plans" / "p1" / "g1.999999.dead00"
    (orphan / "links").mkdir(parents=True)
    pq.write_table(schema.rows_to_table("links", [link_row(text="新")]), orphan / "links" / "part-0.parquet")
    assert list(pd.read_parquet(out / "links").text) == ["旧"]
    store.recover(out)
    assert not orphan.exists()
    assert list(pd.read_parquet(out / "links").text) == ["旧"]


def test_output_of_the_earlier_layout_is_taken_over(tmp_path):
    out = tmp_path / "out"
    (out / "links" / "plan_id=p1").mkdir(parents=True)
    pq.write_table(
        schema.rows_to_table("links", [link_row(text="旧")]), out / "links" / "plan_id=p1" / "part-0.parquet"
    )
    store.write_plan(out, "p1", {"sidebars": schema.rows_to_table("sidebars", [])})
    assert (out / "links" / "plan_id=p1").is_symlink()
    assert list(pd.read_parquet(out / "links").text) == ["旧"]
