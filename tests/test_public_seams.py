"""The surfaces (the CLI and the server package) stand on the SDK's public API alone.

ruff's banned-api rule (TID251) sees absolute imports only; this test resolves relative ones too,
so ``from .._config import ClientConfig`` in the CLI fails here as ``from togai_customers._config``
fails the lint.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SURFACES = [
    *sorted((ROOT / "togai_customers" / "_cli").rglob("*.py")),
    *sorted((ROOT / "togai_customers_server").rglob("*.py")),
]


def _package_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts if parts[-1] == "__init__" and parts.pop() else parts[:-1]


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(path)[: len(_package_of(path)) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def _private_to_the_core(module: str) -> bool:
    parts = module.split(".")
    return (
        len(parts) > 1
        and parts[0] == "togai_customers"
        and parts[1].startswith("_")
        and not parts[1].endswith("__")  # __version__ is public
        and parts[1] != "_cli"
    )


@pytest.mark.parametrize("path", SURFACES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_surface_imports_no_private_module_of_the_sdk(path: Path) -> None:
    """A CLI or server module imports togai_customers and its spec, never a core module."""
    private = [f"line {n}: {m}" for n, m in _imported_modules(path) if _private_to_the_core(m)]
    assert private == []


def test_the_check_sees_a_relative_import_of_a_core_module(tmp_path: Path) -> None:
    """The resolver turns ``from .._config import X`` in the CLI into togai_customers._config."""
    planted = ROOT / "togai_customers" / "_cli" / "_planted_for_test.py"
    planted.write_text("from .._config import ClientConfig\nfrom . import _state\n")
    try:
        names = [m for _, m in _imported_modules(planted)]
    finally:
        planted.unlink()
    assert "togai_customers._config" in names
    assert [m for m in names if _private_to_the_core(m)] == [
        "togai_customers._config",
        "togai_customers._config.ClientConfig",
    ]
