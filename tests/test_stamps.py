"""The Numba cache stamps (dlvc/_stamps.py): every dlvc module a module imports, as
Python's own parser sees the imports, is part of its stamp."""
import ast
import glob
import os

from dlvc import _stamps as C


def ast_imports(path):
    """Slow reference: the dlvc modules named by the ``from`` imports of a parsed module."""
    with open(path, "rb") as f:
        tree = ast.parse(f.read(), path)
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = os.path.dirname(path)
            for _ in range(node.level - 1):
                base = os.path.dirname(base)
            parts = node.module.split(".") if node.module else []
        elif node.module and node.module.split(".")[0] == "dlvc":
            base, parts = os.path.dirname(C.PACKAGE), node.module.split(".")
        else:
            continue
        for candidate in [parts] + [parts + [a.name] for a in node.names]:
            f = C._module_file(base, candidate)
            if f:
                found.add(os.path.abspath(f))
    return found


def test_imports_found_as_python_parses_them():
    files = glob.glob(os.path.join(C.PACKAGE, "**", "*.py"), recursive=True)
    assert len(files) > 50
    for path in files:
        assert ast_imports(path) <= C._dlvc_imports(path), path


def test_stamp_follows_dependencies(tmp_path, monkeypatch):
    pkg = tmp_path / "dlvc"
    (pkg / "core").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "__init__.py").write_text("")
    (pkg / "core" / "a.py").write_text("X = 1\n")
    (pkg / "core" / "b.py").write_text("from .a import (\n    X,  # the value\n)\n")
    (pkg / "c.py").write_text("from dlvc.core import b\n")
    monkeypatch.setattr(C, "PACKAGE", str(pkg))
    C.forget()
    before = C.dependency_stamp(str(pkg / "c.py"))
    (pkg / "core" / "a.py").write_text("X = 2\n")
    C.forget()
    assert C.dependency_stamp(str(pkg / "c.py")) != before
    C.forget()
