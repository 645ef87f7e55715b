"""Numba cache locators that know dlvc's module dependencies.

Numba stamps a cached function with the modification time of its own source file
only, so an edit to a function it calls (in another module) leaves stale machine code
in the cache, which can crash.  For dlvc's modules the stamp here is a hash of the
module's source and of every dlvc module it imports, transitively: an edit recompiles
exactly the functions that depend on it.
"""
import ast
import hashlib
import os

from numba.core import caching

PACKAGE = os.path.dirname(os.path.abspath(__file__))
_stamps = {}


def _module_file(base, parts):
    path = os.path.join(base, *parts)
    if os.path.isfile(path + ".py"):
        return path + ".py"
    init = os.path.join(path, "__init__.py")
    return init if os.path.isfile(init) else None


def _dlvc_imports(path):
    """Files of the dlvc modules that ``path`` imports (relative or absolute imports)."""
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
            base, parts = os.path.dirname(PACKAGE), node.module.split(".")
        else:
            continue
        for candidate in [parts] + [parts + [a.name] for a in node.names]:
            f = _module_file(base, candidate)
            if f:
                found.add(os.path.abspath(f))
    return found


def dependency_stamp(path):
    """Hash of a module's source and of all dlvc modules it depends on."""
    path = os.path.abspath(path)
    if path not in _stamps:
        seen, todo = set(), [path]
        while todo:
            p = todo.pop()
            if p not in seen:
                seen.add(p)
                todo.extend(_dlvc_imports(p) - seen)
        h = hashlib.sha256()
        for p in sorted(seen):
            with open(p, "rb") as f:
                h.update(p.encode() + b"\0" + f.read())
        _stamps[path] = h.hexdigest()
    return _stamps[path]


class _DependencyStamp:
    def get_source_stamp(self):
        return dependency_stamp(self._py_file)

    @classmethod
    def from_function(cls, py_func, py_file):
        if not os.path.abspath(py_file).startswith(PACKAGE + os.sep):
            return None
        return super().from_function(py_func, py_file)


class UserProvided(_DependencyStamp, caching.UserProvidedCacheLocator):
    """NUMBA_CACHE_DIR, when set."""


class InTree(_DependencyStamp, caching.InTreeCacheLocator):
    """__pycache__ next to the source."""


class UserWide(_DependencyStamp, caching.UserWideCacheLocator):
    """The user's cache folder, when the package folder is not writable."""


def install():
    classes = caching.CacheImpl._locator_classes
    for cls in (UserWide, InTree, UserProvided):
        if cls not in classes:
            classes.insert(0, cls)
