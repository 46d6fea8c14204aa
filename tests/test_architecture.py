"""The house rule of README.md's architecture map: every import points down.

The contracts live in pyproject.toml ([tool.importlinter]); this test runs them
so that a new upward import fails the suite, not only `make lint`.
"""

import ast
import tomllib
from pathlib import Path

from importlinter.cli import EXIT_STATUS_SUCCESS, lint_imports

ROOT = Path(__file__).resolve().parent.parent


def _layers_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["type"] == "layers")


def test_import_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename="pyproject.toml", no_cache=True, no_logo=True) == EXIT_STATUS_SUCCESS


def test_every_tt_platform_module_is_on_a_floor():
    # A module that is on no floor escapes the layers contract altogether.
    layered = {name.strip() for layer in _layers_contract()["layers"] for name in layer.split("|")}
    package = ROOT / "tt_platform"
    modules = {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }
    assert modules - layered == set()
    assert layered - modules == set()


def _local_project_imports(path: Path) -> list[int]:
    """Line numbers of `tt_platform` imports made inside a function body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.startswith("tt_platform") for name in names):
                lines.append(node.lineno)
    return lines


def test_no_function_local_imports_of_the_app_outside_the_factory_and_cli():
    # Local imports are how cycles hide; once every arrow points down none is needed. The app
    # factory and the CLI wire every feature together, so they may import late.
    allowed = {ROOT / "tt_platform" / "__init__.py", ROOT / "tt_platform" / "cli.py"}
    found = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / "tt_platform").rglob("*.py"))
        if path not in allowed and (lines := _local_project_imports(path))
    }
    assert found == {}
