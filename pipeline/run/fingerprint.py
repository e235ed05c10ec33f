"""What a stage's output depends on, as one hash: its code, data files, schemas and libraries.

A stage's code is the import closure of its module inside the package, found by reading the
sources (`ast`), so a helper module added to a stage is covered without anyone listing it.
Its data files are the names passed to `data_file("…")` anywhere in that closure. Its
libraries are the distributions that the closure imports, with their versions and the
versions of what they require (pdfplumber brings pdfminer.six), so an upgrade redoes what it
may change.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata as md
import importlib.util
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from pipeline.core.resources import PACKAGE, data_file, schema_dir

ROOT = PACKAGE.name


def module_file(module: str) -> Path | None:
    """The source file of a module of this package (a package's `__init__.py`), else None."""
    parts = module.split(".")
    if parts[0] != ROOT:
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for cand in (base.with_suffix(".py"), base / "__init__.py"):
        if cand.is_file():
            return cand
    return None


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    pkg = module.split(".") if is_package else module.split(".")[:-1]
    pkg = pkg[: len(pkg) - node.level + 1]
    return ".".join(pkg + ([node.module] if node.module else []))


def imported_names(module: str) -> set[str]:
    """Every module a module imports (at the top or inside functions), as absolute dotted names."""
    path = module_file(module)
    if path is None:
        return set()
    stat = path.stat()
    return set(_imported_names(module, path, stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=512)
def _imported_names(module: str, path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    """The imports of one version of a source file (the file's time and size key the cache)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node, module, path.name == "__init__.py")
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)  # `from pkg import module`
    return frozenset(n for n in names if n)


def import_closure(module: str) -> list[str]:
    """The package's modules that `module` needs, itself included, sorted."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        m = todo.pop()
        if m in seen or module_file(m) is None:
            continue
        seen.add(m)
        parents = [".".join(m.split(".")[:i]) for i in range(1, m.count(".") + 1)]
        todo.extend(n for n in [*imported_names(m), *parents] if n.split(".")[0] == ROOT)
    return sorted(seen)


def external_imports(modules: Iterable[str]) -> set[str]:
    """Top-level names of the third-party modules these modules import."""
    tops = {n.split(".")[0] for m in modules for n in imported_names(m)}
    return {t for t in tops if t != ROOT and t not in sys.stdlib_module_names and t != "__future__"}


def data_files_of(modules: Iterable[str]) -> list[str]:
    """The names given to `data_file("…")` in these modules."""
    out: set[str] = set()
    for m in modules:
        path = module_file(m)
        if path is not None:
            stat = path.stat()
            out |= _data_files_in(path, stat.st_mtime_ns, stat.st_size)
    return sorted(out)


@functools.lru_cache(maxsize=512)
def _data_files_in(path: Path, mtime_ns: int, size: int) -> frozenset[str]:
    """The `data_file("…")` names in one version of a source file."""
    return frozenset(
        str(node.args[0].value)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) == "data_file"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    )


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    return md.packages_distributions()


def _requirement_names(dist: str) -> list[str]:
    reqs = md.requires(dist) or []
    return [re.split(r"[\s;<>=!~\[(]", r, maxsplit=1)[0] for r in reqs if "extra ==" not in r]


def library_versions(tops: Iterable[str]) -> list[str]:
    """`name==version` for the distributions behind these import names and what they require."""
    dists = {d for t in tops for d in _distributions().get(t, [])}
    found: dict[str, str] = {}
    for d in sorted(dists):
        for name in [d, *_requirement_names(d)]:
            try:
                found[name.lower()] = md.version(name)
            except md.PackageNotFoundError:
                continue
    return [f"{k}=={v}" for k, v in sorted(found.items())]


def _file_bytes(path: Path) -> bytes:
    return path.read_bytes() if path.is_file() else b""


def code_fingerprint(module: str, schemas: Iterable[str] = ()) -> str:
    """One hash of a module's import closure, its data files, the named schemas and its libraries."""
    closure = import_closure(module)
    if importlib.util.find_spec(module) is None:
        raise ValueError(f"no module {module}")
    h = hashlib.sha256()
    for m in closure:
        h.update(m.encode() + b"\0" + _file_bytes(module_file(m) or Path()))
    for name in data_files_of(closure):
        h.update(name.encode() + b"\0" + _file_bytes(data_file(name)))
    for s in sorted(schemas):
        h.update(s.encode() + b"\0" + _file_bytes(schema_dir() / f"{s}.toml"))
    for lib in library_versions(external_imports(closure)):
        h.update(lib.encode())
    return h.hexdigest()
