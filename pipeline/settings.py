"""Named thresholds, one typed settings object per stage, overridable per corpus from a TOML file.

Distances are relative to the document's own measures, never points of one producer: `body`
is the body text's font size, `pitch` its line pitch (baseline to baseline), `page_w`/`page_h`
the page's width and height, `share` a fraction of something counted. Every setting is declared
once, in `pipeline/data/settings.toml`: its default, its unit, its range and what it decides. A
stage reads them as attributes of its settings object (`settings_for("layout").margin_zone`). A
settings file names stages and settings:

    [tables]
    row_gap = 0.9

    [layout]
    margin_zone = 0.1

Unknown stages or fields, wrong types and values out of range are refused with `SettingsError`.
The active settings are part of every stage's fingerprint: changing a setting redoes the stages
that read it.
"""

from __future__ import annotations

import importlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from pipeline.core.resources import DATA_DIR
from pipeline.errors import SettingsError

UNITS = ("body", "pitch", "page_w", "page_h", "share", "count", "pt", "ratio", "chars", "years")
DECLARATIONS = DATA_DIR / "settings.toml"  # read as the settings' declaration: each value is in the fingerprints


@dataclass(frozen=True)
class Declared:
    """One declared setting: its default (an int default makes a whole-number setting), unit, meaning, range."""

    name: str
    default: float | int
    unit: str
    doc: str
    lo: float = 0.0
    hi: float | None = None

    def check(self, stage: str, v: Any) -> None:
        """Refuse a value of the wrong type or out of range."""
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise SettingsError(f"[{stage}] {self.name} must be a number, not {v!r}")
        if isinstance(self.default, int) and not isinstance(v, int):
            raise SettingsError(f"[{stage}] {self.name} must be a whole number, not {v!r}")
        if v < self.lo or (self.hi is not None and v > self.hi):
            hi = self.hi if self.hi is not None else "∞"
            raise SettingsError(f"[{stage}] {self.name} = {v} is outside [{self.lo}, {hi}]")


@cache
def declared() -> dict[str, dict[str, Declared]]:
    """Every stage's declared settings, from pipeline/data/settings.toml (stage -> name -> declaration)."""
    data = tomllib.loads(DECLARATIONS.read_text(encoding="utf-8"))
    out: dict[str, dict[str, Declared]] = {}
    for stage, section in data.items():
        out[stage] = {n: Declared(n, **d) for n, d in section.items() if isinstance(d, dict)}
        for d in out[stage].values():
            assert d.unit in UNITS, (stage, d.name, d.unit)
            d.check(stage, d.default)
    return out


class StageSettings:
    """A stage's settings: one read-only attribute per setting declared for `stage`, range-checked.

    Subclasses only name their stage (`class LayoutSettings(StageSettings, stage="layout")`); the
    settings themselves are declared once, in pipeline/data/settings.toml."""

    stage: ClassVar[str] = ""

    def __init_subclass__(cls, stage: str = "", **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.stage = stage
        REGISTRY[stage] = cls

    def __init__(self, **values: Any) -> None:
        decl = declared()[self.stage]
        unknown = set(values) - set(decl)
        if unknown:
            raise SettingsError(f"[{self.stage}] has no setting {', '.join(sorted(unknown))}")
        for name, v in values.items():
            decl[name].check(self.stage, v)
        object.__setattr__(self, "_values", {n: values.get(n, d.default) for n, d in decl.items()})

    def __getattr__(self, name: str) -> float:
        try:
            value: float = self.__dict__["_values"][name]
            return value
        except KeyError:
            raise AttributeError(f"[{self.stage}] has no setting {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are read-only ({name})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StageSettings) and type(other) is type(self) and self.asdict() == other.asdict()

    def __hash__(self) -> int:
        return hash((self.stage, tuple(sorted(self.asdict().items()))))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.asdict().items())})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.asdict()))

    def asdict(self) -> dict[str, Any]:
        return dict(self.__dict__["_values"])


def _rebuild(cls: type[StageSettings], values: dict[str, Any]) -> StageSettings:
    return cls(**values)


REGISTRY: dict[str, type[StageSettings]] = {}


def settings_class(name: str) -> type[StageSettings]:
    """The settings class of a stage (a plain one for a stage whose module declares none)."""
    if name not in REGISTRY:
        _load_stage_modules()
    if name not in REGISTRY and name in declared():
        type(f"{name.title()}Settings", (StageSettings,), {}, stage=name)
    return REGISTRY[name]


_overrides: dict[str, dict[str, Any]] = {}


def settings_for(name: str) -> Any:
    """The active settings of a stage: its defaults with the loaded file's overrides."""
    return settings_class(name)(**_overrides.get(name, {}))


def parse_overrides(data: Mapping[str, Any], source: str = "settings") -> dict[str, dict[str, Any]]:
    """Check a settings mapping ({stage: {field: value}}) against the declared settings."""
    out: dict[str, dict[str, Any]] = {}
    for stage, values in data.items():
        if stage not in declared() or not isinstance(values, Mapping):
            raise SettingsError(
                f"unknown settings section [{stage}] (known: {', '.join(sorted(declared()))})", file=source
            )
        try:
            settings_class(stage)(**values)
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
    return settings_for(name).asdict() if name in declared() else {}


def settings_markdown(active: bool = False) -> str:
    """Every setting with its default (or active value), unit and meaning: the README's settings table."""
    head = "value" if active else "default"
    lines = [f"| stage | setting | {head} | measured in | what it decides |", "|---|---|---|---|---|"]
    for stage, decl in sorted(declared().items()):
        current = settings_for(stage).asdict() if active else {}
        for d in decl.values():
            lines.append(f"| `{stage}` | `{d.name}` | {current.get(d.name, d.default)} | {d.unit} | {d.doc} |")
    return "\n".join(lines) + "\n"


SETTINGS_START = "<!-- settings:start (generated by `make docs` from pipeline/data/settings.toml; do not edit) -->"
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
