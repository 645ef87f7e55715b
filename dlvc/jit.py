"""``njit`` for dlvc's compiled code: Numba's, or deferred while a process runs the
ahead-of-time compiled library of dlvc-enc or dlvc-dec (``aot``).

Every dlvc module decorates its hot functions with this ``njit``.  Normally it is Numba's
``njit`` (with dlvc's cache locators installed before the first function is made).  When
dlvc-dec or dlvc-enc finds its up-to-date AOT library it calls :func:`defer` before
importing any compiled module: decorated functions then become :class:`Deferred` stubs,
Numba is never imported, and the program's entry points run the library's machine code.  A stub without AOT code
(a tool's kernel, say) switches the whole process back to Numba on its first call
(:func:`materialize`), so any code path still works, only with Numba's start-up.
"""
import sys
import threading

_state = {"aot": None, "numba_ready": False}
_stubs = []
_materializing = threading.Lock()


class _NoScipyLinalg:
    """A meta-path finder that refuses scipy.linalg (see _import_numba)."""

    def find_spec(self, name, path=None, target=None):
        if name == "scipy.linalg":
            raise ImportError("scipy.linalg is not loaded for Numba's BLAS probe")
        return None


def _import_numba():
    """Import Numba and its array-math registry without Numba's BLAS probe: numba.np.arraymath
    imports scipy.linalg at import time only to learn whether np.dot & co. can call BLAS,
    0.4 s of every dlvc process's start-up; dlvc's compiled code calls no BLAS routine, so the
    probe is answered 'no BLAS'.  Other code may import scipy.linalg afterwards as usual."""
    import numba  # noqa: F401
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    blocker = _NoScipyLinalg()
    sys.meta_path.insert(0, blocker)
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        sys.meta_path.remove(blocker)


def _numba_njit(**options):
    if not _state["numba_ready"]:
        _import_numba()
        from . import _numba_cache
        _numba_cache.install()
        _state["numba_ready"] = True
    from numba import njit as numba_njit
    return numba_njit(**options)


class Deferred:
    """A decorated function while Numba is not loaded: the AOT library's code for it when the
    library exports it, otherwise Numba's dispatcher, made on the first call."""

    def __init__(self, py_func, options, aot_func):
        self.py_func = py_func
        self.options = options
        self.aot_func = aot_func
        self.dispatcher = None
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.__module__ = py_func.__module__
        self.__doc__ = py_func.__doc__

    def __call__(self, *args):
        if self.aot_func is not None:
            return self.aot_func(*args)
        if self.dispatcher is None:
            with _materializing:     # the encoder's threads may get here together
                if self.dispatcher is None:
                    materialize()
        return self.dispatcher(*args)


def njit(func=None, **options):
    """``@njit(cache=True, nogil=True, ...)`` as Numba's."""
    def decorate(f):
        aot = _state["aot"]
        if aot is None:
            return _numba_njit(**options)(f)
        stub = Deferred(f, options, aot.get(f"{f.__module__}.{f.__name__}"))
        _stubs.append(stub)
        return stub
    return decorate(func) if func is not None else decorate


def defer(aot_functions):
    """From now on, decorated functions are stubs; ``aot_functions`` maps
    'module.function' to the AOT library's compiled functions."""
    _state["aot"] = dict(aot_functions)


def deferring():
    return _state["aot"] is not None


def numba_loaded():
    """Whether this process has made a Numba function yet (then it keeps to Numba)."""
    return _state["numba_ready"]


def materialize():
    """Back to Numba: a dispatcher for every stub, swapped into the modules that hold it (a
    dispatcher being compiled finds its callees in its module's globals)."""
    _state["aot"] = None
    for stub in _stubs:
        stub.dispatcher = _numba_njit(**stub.options)(stub.py_func)
    for name, mod in list(sys.modules.items()):
        if name.split(".")[0] != "dlvc" or mod is None:
            continue
        for key, value in list(vars(mod).items()):
            if isinstance(value, Deferred):
                setattr(mod, key, value.dispatcher)
    for stub in _stubs:
        stub.aot_func = None
