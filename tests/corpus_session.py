"""The layout corpus (tests/corpus/variants) extracted once per test session, for the tests marked `corpus`."""

from __future__ import annotations

from pathlib import Path

import pytest

VARIANTS = Path(__file__).resolve().parent / "corpus" / "variants"


@pytest.fixture(scope="session")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("corpus")
    assert main(["extract", *map(str, sorted(VARIANTS.glob("*.pdf"))), "--out", str(out), "-q"]) == 0
    return out
