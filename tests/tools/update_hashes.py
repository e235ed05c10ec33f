"""Pin the content of every dataset of the fixture plans: rewrite tests/data/content_hashes.json.

    .venv/bin/python tests/tools/update_hashes.py            # extract the fixture plans afresh, pin their hashes
    .venv/bin/python tests/tools/update_hashes.py --check    # only say which datasets differ from the pinned ones
    .venv/bin/python tests/tools/update_hashes.py --from DIR # hash an extraction already made with the fixture registry

Run it when a change is meant to change the output (tests/test_content_hashes.py fails and
names the datasets that changed), after looking at what changed, and commit the json with
that change. The plans are those of `fixture_out` (tests/conftest.py): the bundled plan
registered as in raw/plans.csv and its revision, extracted by `python -m pipeline extract`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(TESTS), str(TESTS.parent)]  # conftest, and this checkout's pipeline

from conftest import FIXTURE_PDFS, PLANS, ROOT, content_hashes, differences, write_fixture_registry  # noqa: E402

PINNED = TESTS / "data" / "content_hashes.json"
ABOUT = (
    "SHA-256 of each dataset's rows (sorted-key JSON of pyarrow's to_pylist) for the fixture plans, per stage; "
    "documents' run_id and extracted_at (they differ per run) left out. "
    "Checked by tests/test_content_hashes.py; rewritten on purpose by `.venv/bin/python tests/tools/update_hashes.py`."
)


def extract(out: Path) -> None:
    registry = write_fixture_registry(out.parent / "registry")
    cmd = [sys.executable, "-m", "pipeline", "extract", *map(str, FIXTURE_PDFS), "--out", str(out)]
    subprocess.run([*cmd, "--registry", str(registry), "-q"], cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="source", type=Path, help="an extraction of the fixture plans to hash")
    ap.add_argument("--check", action="store_true", help="compare with the pinned hashes, write nothing")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.source
        if out is None:
            out = Path(tmp) / "extracted"
            extract(out)
        new = content_hashes(out, PLANS)
    old = json.loads(PINNED.read_text(encoding="utf-8"))["plans"] if PINNED.exists() else {}
    diff = differences(old, new)
    print("\n".join(diff) if diff else "every dataset as pinned")
    if args.check:
        return 1 if diff else 0
    text = json.dumps({"about": ABOUT, "plans": new}, ensure_ascii=False, indent=1, sort_keys=True)
    PINNED.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {PINNED.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
