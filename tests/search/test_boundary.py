"""search/ stays framework-free: it imports neither flask nor tt_platform."""
import ast
from pathlib import Path

SEARCH = Path(__file__).resolve().parents[2] / "search"


def test_search_imports_no_framework():
    offenders = []
    for path in SEARCH.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("flask", "tt_platform")]
    assert offenders == []
