"""Named thresholds, one typed settings object per stage, overridable per corpus from a TOML file.

Distances are relative to the document's own measures, never points of one producer: `body`
is the body text's font size, `pitch` its line pitch (baseline to baseline), `page_w`/`page_h`
the page's width and height, `share` a fraction of something counted. Each field says which
in its metadata, next to what it decides. A settings file names stages and fields:

    [tables]
    row_gap = 0.9

    [layout]
    margin_zone = 0.1

Unknown stages or fields, wrong types and values out of range are refused with `SettingsError`.
The active settings are part of every stage's fingerprint: changing a setting redoes the stages
that read it.
"""

from __future__ import annotations

import dataclasses
import importlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pipeline.errors import SettingsError

UNITS = ("body", "pitch", "page_w", "page_h", "share", "count", "pt", "ratio", "chars", "years")


def setting(default: float | int, unit: str, doc: str, lo: float = 0.0, hi: float | None = None) -> Any:
    """A field of a settings dataclass: its default, what it is measured in, what it decides, its range."""
    assert unit in UNITS, unit
    return field(default=default, metadata={"unit": unit, "doc": doc, "lo": lo, "hi": hi})


@dataclass(frozen=True)
class StageSettings:
    """Base of every stage's settings: checks each value against its declared range."""

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            lo, hi = f.metadata.get("lo", 0.0), f.metadata.get("hi")
            if not isinstance(v, int | float) or isinstance(v, bool):
                raise SettingsError(f"{type(self).__name__}.{f.name} must be a number, not {v!r}")
            if isinstance(f.default, int) and not isinstance(v, int):
                raise SettingsError(f"{type(self).__name__}.{f.name} must be a whole number, not {v!r}")
            if v < lo or (hi is not None and v > hi):
                raise SettingsError(
                    f"{type(self).__name__}.{f.name} = {v} is outside [{lo}, {hi if hi is not None else '∞'}]"
                )


REGISTRY: dict[str, type[StageSettings]] = {}


def register(name: str) -> Any:
    """Class decorator: make a stage's settings known under `name` (its section in a settings file)."""

    def wrap(cls: type[StageSettings]) -> type[StageSettings]:
        REGISTRY[name] = cls
        return cls

    return wrap


_overrides: dict[str, dict[str, Any]] = {}


def settings_for(name: str) -> Any:
    """The active settings of a stage: its defaults with the loaded file's overrides."""
    if name not in REGISTRY:
        _load_stage_modules()
    return REGISTRY[name](**_overrides.get(name, {}))


def parse_overrides(data: Mapping[str, Any], source: str = "settings") -> dict[str, dict[str, Any]]:
    """Check a settings mapping ({stage: {field: value}}) against the declared settings."""
    _load_stage_modules()
    out: dict[str, dict[str, Any]] = {}
    for stage, values in data.items():
        cls = REGISTRY.get(stage)
        if cls is None or not isinstance(values, Mapping):
            raise SettingsError(
                f"unknown settings section [{stage}] (known: {', '.join(sorted(REGISTRY))})", file=source
            )
        names = {f.name for f in fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise SettingsError(f"[{stage}] has no setting {', '.join(sorted(unknown))}", file=source)
        try:
            cls(**values)
        except SettingsError as e:
            raise SettingsError(e.message, file=source) from None
        out[stage] = dict(values)
    return out


def load_file(path: Path) -> None:
    """Make a TOML settings file's overrides the active ones (for this process)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise SettingsError(f"cannot read settings: {e}", file=str(path)) from None
    use(parse_overrides(data, str(path)))


ON_CHANGE: list[Any] = []  # callables run when the active settings change (cached fingerprints)


def use(overrides: Mapping[str, Mapping[str, Any]]) -> None:
    """Set the active overrides (an empty mapping restores the defaults)."""
    checked = parse_overrides(overrides)
    _overrides.clear()
    _overrides.update(checked)
    for hook in ON_CHANGE:
        hook()


def active_overrides() -> dict[str, dict[str, Any]]:
    return {k: dict(v) for k, v in _overrides.items()}


def describe(name: str) -> dict[str, Any]:
    """A stage's active settings as a plain mapping (for fingerprints); {} for a stage without settings."""
    if name not in REGISTRY:
        _load_stage_modules()
    return dataclasses.asdict(settings_for(name)) if name in REGISTRY else {}


def settings_markdown(active: bool = False) -> str:
    """Every setting with its default (or active value), unit and meaning: the README's settings table."""
    _load_stage_modules()
    head = "value" if active else "default"
    lines = [f"| stage | setting | {head} | measured in | what it decides |", "|---|---|---|---|---|"]
    for stage, cls in sorted(REGISTRY.items()):
        current = settings_for(stage) if active else None
        for f in fields(cls):
            value = getattr(current, f.name) if current is not None else f.default
            lines.append(f"| `{stage}` | `{f.name}` | {value} | {f.metadata['unit']} | {f.metadata['doc']} |")
    return "\n".join(lines) + "\n"


SETTINGS_START = "<!-- settings:start (generated by `make docs` from the settings classes; do not edit) -->"
SETTINGS_END = "<!-- settings:end -->"


def splice_settings(readme: str) -> str:
    """The README with its settings table regenerated (unchanged when it has no settings markers)."""
    if SETTINGS_START not in readme or SETTINGS_END not in readme:
        return readme
    head, rest = readme.split(SETTINGS_START, 1)
    _, tail = rest.split(SETTINGS_END, 1)
    return f"{head}{SETTINGS_START}\n\n{settings_markdown()}\n{SETTINGS_END}{tail}"


# the modules that declare settings (imported by name, so that a stage's code closure stays its own)
SETTINGS_MODULES = (
    "pipeline.pdf.ingest",
    "pipeline.layout.layout",
    "pipeline.structure.structure",
    "pipeline.tables.tables",
    "pipeline.enrich.values",
    "pipeline.enrich.text",
)


def _load_stage_modules() -> None:
    """Import the modules that declare settings, so that REGISTRY is complete."""
    for name in SETTINGS_MODULES:
        importlib.import_module(name)
