"""Source stamps of dlvc's compiled code: a hash of a module's source and of every dlvc
module it imports, transitively.  Numba stamps a cached function with the modification time
of its own source file only, so an edit to a function it calls (in another module) would
leave stale machine code in the cache, which can crash; the Numba cache locators
(``_numba_cache``) and the compiled libraries of dlvc-enc and dlvc-dec (``aot``) use these stamps
instead, so that an edit recompiles exactly the code that depends on it.  Imports nothing
heavy: dlvc-dec computes stamps before it decides whether to import Numba at all.
"""
import functools
import hashlib
import os
import re

PACKAGE = os.path.dirname(os.path.abspath(__file__))
_stamps = {}


def _module_file(base, parts):
    path = os.path.join(base, *parts)
    if os.path.isfile(path + ".py"):
        return path + ".py"
    init = os.path.join(path, "__init__.py")
    return init if os.path.isfile(init) else None


# ``from <dots><module> import <names>`` (names possibly in parentheses over several lines)
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)


@functools.cache
def _source(path):
    with open(path, "rb") as f:
        return f.read()


@functools.cache
def _dlvc_imports(path):
    """Files of the dlvc modules that ``path`` imports (relative or absolute ``from`` imports).
    A regular expression rather than ``ast``: this runs for every compiled module at start-up,
    and parsing the sources took a second of every dlvc-enc / dlvc-dec call.  Once per file
    and process (the stamps of different modules share most of their closures)."""
    text = _source(path).decode("utf-8")
    found = set()
    for dots, module, names in _FROM_IMPORT.findall(text):
        if dots:
            base = os.path.dirname(path)
            for _ in range(len(dots) - 1):
                base = os.path.dirname(base)
            parts = module.split(".") if module else []
        elif module.split(".")[0] == "dlvc":
            base, parts = os.path.dirname(PACKAGE), module.split(".")
        else:
            continue
        names = [n.split()[0] for n in re.sub(r"#[^\n]*", "", names).strip("()").replace("\\", " ").split(",")
                 if n.strip()]
        for candidate in [parts] + [parts + [n] for n in names]:
            f = _module_file(base, candidate)
            if f:
                found.add(os.path.abspath(f))
    return frozenset(found)


def dependency_files(path):
    """The files of a module and of all dlvc modules it depends on, sorted."""
    seen, todo = set(), [os.path.abspath(path)]
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo.extend(_dlvc_imports(p) - seen)
    return sorted(seen)


def dependency_stamp(path):
    """Hash of a module's source and of all dlvc modules it depends on."""
    path = os.path.abspath(path)
    if path not in _stamps:
        h = hashlib.sha256()
        for p in dependency_files(path):
            h.update(p.encode() + b"\0" + _source(p))
        _stamps[path] = h.hexdigest()
    return _stamps[path]


def forget():
    """Forget the sources and stamps read so far (for a process that edits them)."""
    _stamps.clear()
    _source.cache_clear()
    _dlvc_imports.cache_clear()
