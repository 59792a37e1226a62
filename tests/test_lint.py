import shutil
import subprocess

import pytest
from conftest import ROOT


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed (pip install -r requirements-dev.txt)")
@pytest.mark.parametrize("cmd", [["ruff", "check", "."], ["ruff", "format", "--check", "."]])
def test_ruff_is_clean(cmd):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def _imports(path):
    """Modules a file imports, leaving out optional ones (inside ``try: ... except ImportError``)."""
    import ast

    def walk(node):
        if isinstance(node, ast.Try) and any(isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in node.handlers):
            for child in node.handlers + node.orelse + node.finalbody:
                yield from walk(child)
            return
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
        for child in ast.iter_child_nodes(node):
            yield from walk(child)

    yield from walk(ast.parse(path.read_text()))


def test_the_package_ships_only_the_product():
    """fashseg/ never reaches into tools/ or tests/, and needs nothing that only requirements-dev.txt installs."""
    dev_only = {"tools", "tests", "conftest", "psutil", "playwright", "pytest", "skimage", "axe_playwright_python"}
    for path in sorted((ROOT / "fashseg").glob("*.py")):
        bad = {m for m in _imports(path) if m.split(".")[0] in dev_only}
        assert not bad, f"{path.name} imports {sorted(bad)}"
    for path in (ROOT / "app.py", ROOT / "train.py"):
        assert not {m for m in _imports(path) if m.split(".")[0] in dev_only}, path.name


def test_the_package_has_no_import_cycles():
    """The modules form floors: each imports only modules below it, so any one can be read and tested alone."""
    import ast

    graph = {}
    for path in sorted((ROOT / "fashseg").glob("*.py")):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                deps |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        graph[path.stem] = deps & {p.stem for p in (ROOT / "fashseg").glob("*.py")} - {"__init__"}
    done: set[str] = set()

    def visit(module, path=()):
        assert module not in path, "import cycle: " + " -> ".join((*path, module))
        if module not in done:
            for dep in graph[module]:
                visit(dep, (*path, module))
            done.add(module)

    for module in graph:
        visit(module)
    assert not graph["labels"] and "service" in graph["ui"]  # the bottom and top floors are where they belong
