"""The decoder's ahead-of-time compiled library: dlvc-dec without Numba's start-up.

A dlvc-dec process that loads Numba pays about a second before it decodes anything
(importing Numba, its typing registries, loading cached machine code) -- more than HM
takes to decode a whole short clip.  So the decoder's compiled entry points are also
built, with Numba's ``pycc``, into one extension module; a dlvc-dec that finds it up to
date imports it instead of Numba (``jit.defer``).  The same Python functions are compiled
by the same Numba, so the library decodes exactly as the JIT does (tested).

The library is built on the first dlvc-dec run that decodes a stream with Numba (after
the decode, ~30 s once; ``DLVC_AOT=0`` switches both building and using it off), for the
argument types that run used.  Its name carries a stamp of the entry points' sources and
of everything they import (``_stamps``), the Python, NumPy and Numba versions and the
CPU, so any edit or upgrade makes dlvc-dec build a fresh one.
"""
import functools
import hashlib
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile

from .._stamps import PACKAGE, dependency_stamp

# what dlvc-dec says on stderr when it builds the library (timing tools look for it)
BUILD_MESSAGE = "building the compiled decoder library, once (about half a minute)"

# 'module.function' of every compiled function the decoder calls from Python
ENTRY_POINTS = ("dlvc.decoder.slice_decoder.decode_slice_data", "dlvc.core.cabac._init_contexts",
                "dlvc.core.cabac.decoder_init", "dlvc.core.deblocking.deblock_picture",
                "dlvc.core.sao.sao_picture")


def enabled():
    return os.environ.get("DLVC_AOT", "1") != "0"


def _cpu():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            lines = [ln for ln in f if ln.startswith(("model name", "flags"))]
        return "".join(sorted(set(lines)))
    except OSError:
        import platform
        return platform.processor() + platform.machine()


def _numba_version():
    """Numba's version without importing Numba (or importlib.metadata: both cost start-up)."""
    spec = importlib.util.find_spec("numba")
    with open(os.path.join(os.path.dirname(spec.origin), "_version.py"), encoding="utf-8") as f:
        return f.read()


@functools.cache
def _stamp():
    """Once per process: dlvc-dec asks before decoding (load) and after (wanted, build)."""
    import numpy
    h = hashlib.sha256()
    for entry in ENTRY_POINTS:
        path = os.path.join(os.path.dirname(PACKAGE), *entry.split(".")[:-1]) + ".py"
        h.update(entry.encode() + dependency_stamp(path).encode())
    for part in (sys.version, numpy.__version__, _numba_version(), _cpu()):
        h.update(part.encode())
    return h.hexdigest()[:20]


def library_dir():
    """DLVC_AOT_DIR when set, else NUMBA_CACHE_DIR/dlvc-aot when that is set (beside Numba's
    cache), else the decoder's __pycache__, else the user's cache folder."""
    if os.environ.get("DLVC_AOT_DIR"):
        return os.environ["DLVC_AOT_DIR"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.path.join(os.environ["NUMBA_CACHE_DIR"], "dlvc-aot")
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    if os.access(os.path.dirname(here), os.W_OK):
        return here
    return os.path.join(os.path.expanduser("~"), ".cache", "dlvc", "aot")


def _module_name():
    return "dlvc_dec_" + _stamp()


def library_path():
    return os.path.join(library_dir(), _module_name() + sysconfig.get_config_var("EXT_SUFFIX"))


def failed_marker(path):
    """A build that failed leaves its reason here, so that later runs do not retry it."""
    return path + ".failed"


def wanted():
    """Whether dlvc-dec should build the library now: enabled, not built, not failed."""
    if not enabled():
        return False
    path = library_path()
    return not os.path.isfile(path) and not os.path.isfile(failed_marker(path))


def load():
    """{'module.function': compiled function} from an up-to-date library, or None."""
    if not enabled():
        return None
    path = library_path()
    if not os.path.isfile(path):
        return None
    name = os.path.basename(path).split(".")[0]
    spec = importlib.util.spec_from_file_location(
        name, path, loader=importlib.machinery.ExtensionFileLoader(name, path))
    try:
        lib = importlib.util.module_from_spec(spec)
    except ImportError:
        return None
    return {entry: getattr(lib, entry.rsplit(".", 1)[1]) for entry in ENTRY_POINTS}


def _dispatchers():
    for entry in ENTRY_POINTS:
        module, name = entry.rsplit(".", 1)
        yield name, getattr(importlib.import_module(module), name)


def build():
    """Compile the entry points, for the argument types this process called them with, into
    the library (written under a temporary name, then renamed: concurrent builds are safe).
    Returns the library's path, or None when an entry point has not exactly one signature
    (not called yet, or called with several argument types).  A failed compilation (no C
    compiler, say) raises, after writing its reason to ``failed_marker``."""
    import warnings

    from llvmlite import binding
    from numba.pycc import CC
    entries = list(_dispatchers())
    if any(len(d.nopython_signatures) != 1 for _, d in entries):
        return None
    path = library_path()
    name = os.path.basename(path).split(".")[0]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cc = CC(name, source_module=sys.modules[__name__])
            cc.target_cpu = binding.get_host_cpu_name()
            for short, d in entries:
                cc.export(short, d.nopython_signatures[0])(d.py_func)
            with tempfile.TemporaryDirectory(dir=os.path.dirname(path)) as tmp:
                cc.output_dir = tmp
                cc.compile()
                shutil.move(os.path.join(tmp, cc.output_file), path)
    except Exception as e:
        with open(failed_marker(path), "w", encoding="utf-8") as f:
            f.write(f"{type(e).__name__}: {e}\n")
        raise
    _remove_stale(path)
    return path


def _remove_stale(path):
    """Libraries (and failure markers) of earlier sources or versions in the same folder: no
    dlvc-dec of this stamp loads them again."""
    folder, keep = os.path.dirname(path), os.path.basename(path)
    for f in os.listdir(folder):
        if f.startswith("dlvc_dec_") and f != keep:
            try:
                os.remove(os.path.join(folder, f))
            except OSError:
                pass
