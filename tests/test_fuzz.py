"""Fuzzing on every run (tests/tools/fuzz.py): a fixed sample of mutated plans, every reproducer kept under
tests/data/fuzz/, and the hostile inputs of issue 16 (tests/hostile.py), each through the real command line.

Each must end in a success or a clean one-line error (exit 1); a time or memory limit is a clean end for a
decompression bomb only. No traceback, no hang, no memory past the limits.
"""

from __future__ import annotations

import io
import sys
import time
import zlib
from pathlib import Path

import pandas as pd
import pikepdf
import pytest

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(TESTS), str(TESTS / "tools")) if p not in sys.path]

import fuzz  # noqa: E402
from hostile import hostile_inputs  # noqa: E402

SAMPLE_SEED = 16
SAMPLE = fuzz.plan_mutants(100, SAMPLE_SEED, max_bombs=2)
LIMITS = fuzz.Limits(timeout=120, bomb_timeout=20, max_memory="4G")  # the bombs are stopped by one or the other
# batches of the command line in a subprocess, each a minute or more: outside the quick suite
SUBPROCESS_BATCHES = pytest.mark.corpus


def report(results: list[fuzz.Result]) -> str:
    bad = [r for r in results if not r.clean()]
    lines = [f"{r.outcome}: {r.file}: {r.line} {r.where} {r.note}" for r in bad]
    return "\n".join([fuzz.outcome_table(results), *lines])


def test_mutators_are_deterministic():
    """A recipe is enough to rebuild a reproducer: the same bytes from the same mutator and seed."""
    for r in SAMPLE[:20]:
        assert fuzz.make_mutant(r.mutator, r.seed) == fuzz.make_mutant(r.mutator, r.seed)
    assert {r.mutator for r in fuzz.plan_mutants(300, 1)} == set(fuzz.MUTATORS)


def _inflated(raw: bytes) -> int:
    """The size a Flate stream inflates to, counted in 64 MB steps (never held whole)."""
    d, size, data = zlib.decompressobj(), 0, raw
    while data:
        size += len(d.decompress(data, 64 * fuzz.MB))
        data = d.unconsumed_tail
    return size


def test_bombs_are_small_on_disk_and_large_inflated():
    data = fuzz.deflate_bomb(b"head ", b"0 ", 3, b" tail")
    assert zlib.decompress(data) == b"head " + b"0 " * (3 * fuzz.MB // 2) + b" tail"
    for mutator in fuzz.BOMBS:
        mutant = fuzz.make_mutant(mutator, 1)
        assert len(mutant) < fuzz.KEEP_MAX_BYTES
        with pikepdf.open(io.BytesIO(mutant)) as pdf:
            largest = max(_inflated(o.read_raw_bytes()) for o in pdf.objects if isinstance(o, pikepdf.Stream))
        assert largest >= 200 * fuzz.MB


def _batch(tmp_path: Path, names: list[str], stderr: str, summary: list[dict], rc: int | None = 1) -> fuzz.Batch:
    return fuzz.Batch([tmp_path / n for n in names], tmp_path / "out", rc, stderr, 1.0, summary)


def test_outcomes_from_the_run_summary(tmp_path):
    (tmp_path / "out" / "_runs" / "r1").mkdir(parents=True)
    (tmp_path / "out" / "_runs" / "r1" / "d.log").write_text(
        'Traceback (most recent call last):\n  File "/x/pipeline/tables/tables.py", line 7, in run\n'
        "    cells[key]\nKeyError: 'a/b'\n"
    )
    entries = [
        {"plan_id": "a", "file": str(tmp_path / "a.pdf"), "status": "extracted"},
        {"plan_id": "b", "file": str(tmp_path / "b.pdf"), "status": "failed", "kind": "truncated", "line": "b: cut"},
        {"plan_id": "c", "file": str(tmp_path / "c.pdf"), "status": "failed", "kind": "timeout", "message": "x"},
        {"plan_id": "d", "file": str(tmp_path / "d.pdf"), "status": "failed", "kind": "internal", "message": "y"},
        {"plan_id": "e", "file": str(tmp_path / "e.pdf"), "status": "failed", "kind": "truncated", "message": "z"},
    ]
    stderr = "\n".join(
        [
            "error: b: cut",  # the line the summary gives
            f'error: "{tmp_path}/c.pdf": stopped after 20 s, its time limit (--timeout)',
            'error: "d.pdf": internal error, please report',
            "WARNING pipeline: e: something",
        ]
    )
    known, unknown = fuzz.classify(_batch(tmp_path, ["a.pdf", "b.pdf", "c.pdf", "d.pdf", "e.pdf"], stderr, entries))
    outcomes = {f.name: r.outcome for f, r in known.items()}
    assert outcomes == {
        "a.pdf": "success",
        "b.pdf": "clean-error",
        "c.pdf": "timeout",
        "d.pdf": "traceback",
        "e.pdf": "bad-line",  # failed without its one line
    }
    assert not unknown
    d = known[tmp_path / "d.pdf"]
    assert (d.exception, d.where) == ("KeyError: 'a/b'", "pipeline/tables/tables.py:7 in run")


def test_outcomes_from_stderr_when_a_batch_stops(tmp_path):
    (tmp_path / "out" / "documents" / "plan_id=a").mkdir(parents=True)
    stderr = (
        'error: "b.pdf": the PDF cannot be parsed (MemoryError); it may be truncated or damaged\n'
        'error: "bad\\nname.pdf": cut\n'
        'Traceback (most recent call last):\n  File "/x/pipeline/cli.py", line 3, in main\n'
        "    f()\nIsADirectoryError: [Errno 21] Is a directory: 'c.pdf'\n"
    )
    batch = _batch(tmp_path, ["a.pdf", "b.pdf", "bad\nname.pdf", "c.pdf", "d.pdf"], stderr, [])
    known, unknown = fuzz.classify(batch)
    assert {f.name: r.outcome for f, r in known.items()} == {
        "a.pdf": "success",
        "b.pdf": "misdiagnosed",
        "bad\nname.pdf": "clean-error",
    }
    assert [f.name for f in unknown] == ["c.pdf", "d.pdf"]
    failure = fuzz.batch_failure(batch)
    assert failure is not None and failure.outcome == "traceback"
    assert failure.where == "pipeline/cli.py:3 in main" and failure.exception.startswith("IsADirectoryError")
    hung = fuzz.batch_failure(_batch(tmp_path, ["a.pdf"], "", [], rc=None))
    assert hung is not None and hung.outcome == "hang"


@SUBPROCESS_BATCHES
def test_fixed_sample_of_mutants_ends_cleanly(tmp_path):
    t0 = time.monotonic()
    results = fuzz.run_mutants(SAMPLE, tmp_path, LIMITS)
    seconds = time.monotonic() - t0
    assert len(results) == len(SAMPLE)
    assert all(r.clean() for r in results), report(results)
    print(f"\n{len(results)} mutants in {seconds:.0f} s\n{fuzz.outcome_table(results)}")


# ---------------------------------------------------------------- reproducers kept by `make fuzz`

REPRODUCERS = fuzz.reproducers()


@pytest.fixture(scope="module")
def reproducer_outcomes(tmp_path_factory) -> dict[str, fuzz.Result]:
    """Every reproducer run once, in batches (bombs apart): the file kept, else rebuilt from its recipe."""
    work = tmp_path_factory.mktemp("reproducers")
    files: dict[Path, fuzz.Recipe | None] = {}
    for name, recipe in REPRODUCERS:
        path = fuzz.FUZZ_DATA / name
        if not path.exists():
            assert recipe is not None, name
            path = work / "rebuilt" / name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(fuzz.make_mutant(recipe.mutator, recipe.seed))
        files[path] = recipe
    runner = fuzz.Runner(work, LIMITS)
    outcomes: dict[str, fuzz.Result] = {}
    for bombs in (False, True):
        chosen = [f for f, r in files.items() if (r is not None and r.mutator in fuzz.BOMBS) == bombs]
        for f, res in runner.run(chosen, bombs).items():
            res.recipe = files[f]
            outcomes[f.name] = res
    return outcomes


@SUBPROCESS_BATCHES
@pytest.mark.parametrize("name", [name for name, _ in REPRODUCERS])
def test_reproducer_ends_cleanly(name, reproducer_outcomes):
    res = reproducer_outcomes[name]
    assert res.clean(), f"{res.outcome}: {res.line} {res.where} {res.note}"


def test_reproducer_names_carry_their_recipe():
    for name, recipe in REPRODUCERS:
        assert recipe is not None and name.endswith(f"-{recipe.name}.pdf"), name
    assert all(p.stat().st_size <= fuzz.KEEP_MAX_BYTES for p in fuzz.FUZZ_DATA.glob("*.pdf"))


# ---------------------------------------------------------------- the hostile inputs of issue 16


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    return hostile_inputs(tmp_path_factory.mktemp("hostile"))


HostileRun = dict[str, tuple[fuzz.Batch, fuzz.Result]]
BOMBS = ("tounicode-bomb", "content-bomb")


@pytest.fixture(scope="module")
def hostile_run(hostile, tmp_path_factory) -> HostileRun:
    """The hostile inputs through the command line: the bombs in one batch (a short time limit), the rest in
    another. Each input's batch and outcome."""
    runs: HostileRun = {}
    for bombs in (False, True):
        chosen = {path: name for name, path in hostile.items() if (name in BOMBS) == bombs}
        batch = fuzz.run_batch(list(chosen), tmp_path_factory.mktemp("hostile-out"), LIMITS, bombs=bombs)
        known, unknown = fuzz.classify(batch)
        assert not unknown, batch.stderr
        runs.update({chosen[f]: (batch, res) for f, res in known.items()})
    return runs


@SUBPROCESS_BATCHES
def test_hostile_batches_have_no_traceback(hostile_run):
    for batch in {id(b): b for b, _ in hostile_run.values()}.values():
        assert fuzz.batch_failure(batch) is None, batch.stderr
        assert batch.returncode == 1


@SUBPROCESS_BATCHES
@pytest.mark.parametrize("name", ["directory", "unreadable", "symlink-loop"])
def test_unreadable_inputs_are_one_clean_line(name, hostile, hostile_run):
    if name not in hostile:
        pytest.skip("mode 000 does not stop reads here (root, and no setpriv to drop the right)")
    res = hostile_run[name][1]
    assert res.outcome == "clean-error", res


@SUBPROCESS_BATCHES
@pytest.mark.parametrize("name", ["tounicode-bomb", "content-bomb"])
def test_bombs_are_stopped_cleanly(name, hostile, hostile_run):
    res = hostile_run[name][1]
    assert hostile[name].stat().st_size < fuzz.MB
    assert fuzz.is_clean(res.outcome, bomb=True), res


@SUBPROCESS_BATCHES
def test_newline_in_a_name_is_one_error_line(hostile_run):
    batch, res = hostile_run["newline-name"]
    assert res.outcome == "clean-error", res
    assert len([ln for ln in batch.stderr.splitlines() if "name.pdf" in ln]) == 1, batch.stderr


def _plan_id(batch: fuzz.Batch, path: Path) -> str:
    return str(next(e for e in batch.summary if Path(str(e["file"])).name == path.name)["plan_id"])


@SUBPROCESS_BATCHES
def test_percent20_name_reads_back_its_plan_id(hostile, hostile_run):
    batch, res = hostile_run["percent20-name"]
    assert res.outcome == "success", res
    plan_id = _plan_id(batch, hostile["percent20-name"])
    assert plan_id in set(pd.read_parquet(batch.out / "documents").plan_id)
    assert len(pd.read_parquet(batch.out / "paragraphs", filters=[("plan_id", "=", plan_id)])) > 0


@SUBPROCESS_BATCHES
def test_rotated_pages_are_read_upright(hostile, hostile_run):
    batch, res = hostile_run["rotated"]
    assert res.outcome == "success", res
    plan_id = _plan_id(batch, hostile["rotated"])
    outline = pd.read_parquet(batch.out / "outline", filters=[("plan_id", "=", plan_id)])
    assert list(outline.title) == ["总体要求", "创新发展", "绿色发展"]
    assert list(outline.page_start) == [1, 2, 3]


@SUBPROCESS_BATCHES
def test_cid_only_text_is_an_unreadable_text_layer(hostile_run):
    _, res = hostile_run["cid-owner-password"]
    assert res.outcome == "clean-error", res
    assert res.kind == "no-text-layer", res
