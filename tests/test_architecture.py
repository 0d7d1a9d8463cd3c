"""The rest of the sandbox knows the suppliers only through their registration: no module
outside a supplier's package, the registry and the pytest plugin (a client of the two APIs, whose
fixtures are named after them) decides anything by a supplier's name."""

from __future__ import annotations

import ast
from pathlib import Path

import sandbox

PACKAGE = Path(sandbox.__file__).parent
ALLOWED = {"suppliers.py", "pytest_plugin.py"}
NAMES = {"fixje", "vidaxl"}


def test_only_the_registry_names_the_suppliers() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        inside = path.relative_to(PACKAGE)
        if inside.parts[0] in NAMES or str(inside) in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in NAMES:
                found.append(f"{inside}:{node.lineno} {node.value!r}")
    assert found == []


def test_the_templates_and_the_script_name_no_supplier() -> None:
    ui = PACKAGE / "ui"
    found = [
        str(path.relative_to(PACKAGE))
        for path in sorted([*ui.rglob("*.html"), *ui.rglob("*.js")])
        if any(f'"{name}"' in path.read_text(encoding="utf-8") for name in NAMES)
    ]
    assert found == []
