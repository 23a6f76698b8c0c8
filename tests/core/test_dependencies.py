"""Every third-party package the code imports is declared in pyproject.toml.

An undeclared one works on the machine that happens to have it and fails on a fresh
``pip install .`` (a server, a colleague's laptop, the Docker image).
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest

import dealerdesk

SRC = Path(dealerdesk.__file__).resolve().parent
PYPROJECT = SRC.parent.parent / "pyproject.toml"


def _top_level_imports() -> set[str]:
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {
        name
        for name in names
        if name not in sys.stdlib_module_names and name not in {"dealerdesk", "__future__"}
    }


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return {
        _normalise(re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0])
        for spec in project["dependencies"]
    }


@pytest.mark.parametrize("module", sorted(_top_level_imports()))
def test_imported_package_is_a_declared_dependency(module):
    if not PYPROJECT.exists():
        pytest.skip("not an editable checkout: no pyproject.toml next to the sources")
    distributions = importlib.metadata.packages_distributions().get(module, [])
    assert distributions, f"{module} is imported but not installed"
    declared = _declared()
    assert any(_normalise(dist) in declared for dist in distributions), (
        f"{module} (from {', '.join(distributions)}) is not in pyproject.toml dependencies"
    )
