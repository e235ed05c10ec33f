"""Every dataset of the fixture plans holds exactly the rows it held when its hash was pinned.

The hashes (tests/data/content_hashes.json) are SHA-256 of each dataset's rows as sorted-key
JSON, per plan and stage, so a refactoring that must not change the output is checked to the
last value, and a pyarrow upgrade that writes other Parquet bytes does not matter. The columns
naming the run that wrote a row (`documents.run_id`, `extracted_at`) differ per run by design:
they are left out of the hashes (`table_digest` in conftest.py).

When a change is meant to change the output, this test names the datasets that changed: look
at what changed, then run `.venv/bin/python tests/tools/update_hashes.py` and commit
tests/data/content_hashes.json with the change.
"""

import json

from conftest import BUNDLED_ROW, DATA, PLANS, REGISTRY_HEADER, ROOT, content_hashes, differences

from pipeline.run.stages import ALL

PINNED = DATA / "content_hashes.json"


def test_every_dataset_is_as_pinned(fixture_out):
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))["plans"]
    diff = differences(pinned, content_hashes(fixture_out, PLANS))
    assert not diff, "datasets changed (if on purpose: .venv/bin/python tests/tools/update_hashes.py):\n" + "\n".join(
        diff
    )


def test_every_persisted_dataset_is_pinned_for_both_plans():
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))["plans"]
    want = {s.name: sorted(s.writes) for s in ALL if s.persisted}
    assert sorted(pinned) == sorted(PLANS)
    for plan in PLANS:
        assert {s: sorted(d) for s, d in pinned[plan].items()} == want, plan
    # the revision's changes are not empty: the registry says what it revises
    assert pinned["jindong-2022-revision"]["changes"]["indicator_changes"]["rows"] > 0


def test_the_bundled_plan_is_pinned_as_make_extract_writes_it():
    """The fixture registry registers the bundled plan as raw/plans.csv does: its pinned rows are `make extract`'s."""
    lines = (ROOT / "raw" / "plans.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0] == REGISTRY_HEADER and BUNDLED_ROW in lines
