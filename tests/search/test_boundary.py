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


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_neither_backend_imports_the_other():
    backends = SEARCH / "backends"
    es = imported_modules(backends / "elasticsearch.py")
    embedded = set().union(*(imported_modules(p) for p in (backends / "embedded").rglob("*.py")))
    assert not {m for m in es if m.startswith("search.backends.embedded")}
    assert not {m for m in embedded if m.startswith("search.backends.elasticsearch")}


def test_documents_and_regions_import_no_backend_and_nothing_lazily():
    for name in ("documents.py", "regions.py"):
        tree = ast.parse((SEARCH / name).read_text(encoding="utf-8"))
        assert not {m for m in imported_modules(SEARCH / name) if m.startswith("search.backends")}
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        assert not [f.name for f in functions for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)]
