"""Ahead-of-time compiled libraries: dlvc-enc and dlvc-dec without Numba's start-up.

A dlvc process that loads Numba pays over a second before it codes anything (importing
Numba, its typing registries, loading cached machine code) -- more than HM takes to decode
a whole short clip, and a large part of encoding one.  So the compiled functions that the
decoder (``DECODER``) and the encoder (``ENCODER``) call from Python are also built, with
Numba's ``pycc``, into one extension module each; a dlvc-dec or dlvc-enc that finds its
library up to date imports it instead of Numba (``jit.defer``).  The same Python functions
are compiled by the same Numba, with the GIL released as under ``@njit(nogil=True)`` (the
encoder's wavefront threads run them side by side), so a library codes exactly as the JIT
does (tested).

A library is built after the first run that coded with Numba (dlvc-dec: ~30 s once, dlvc-enc:
about a minute once; ``DLVC_AOT=0`` switches building and using them off), for the argument
types of that run; the encoder's build first codes a tiny synthetic clip (``prime``) so that
entry points the run did not call (motion search after an all-intra run) are typed too.  A
library's name carries a stamp of its entry points' sources and of everything they import
(``_stamps``), the Python, NumPy and Numba versions and the CPU, so any edit or upgrade makes
the next run build a fresh one.
"""
import functools
import hashlib
import importlib
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile

from ._stamps import PACKAGE, dependency_files, dependency_stamp


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


def library_dir():
    """DLVC_AOT_DIR when set, else NUMBA_CACHE_DIR/dlvc-aot when that is set (beside Numba's
    cache), else the package's __pycache__, else the user's cache folder."""
    if os.environ.get("DLVC_AOT_DIR"):
        return os.environ["DLVC_AOT_DIR"]
    if os.environ.get("NUMBA_CACHE_DIR"):
        return os.path.join(os.environ["NUMBA_CACHE_DIR"], "dlvc-aot")
    if os.access(PACKAGE, os.W_OK):
        return os.path.join(PACKAGE, "__pycache__")
    return os.path.join(os.path.expanduser("~"), ".cache", "dlvc", "aot")


def failed_marker(path):
    """A build that failed leaves its reason here, so that later runs do not retry it."""
    return path + ".failed"


def _module_path(module):
    return os.path.join(os.path.dirname(PACKAGE), *module.split(".")) + ".py"


def _nogil_flags():
    """pycc compiles its exports with fresh ``Flags()``; these release the GIL, as every
    dlvc ``@njit`` asks (``nogil=True``)."""
    from numba.core.compiler import Flags
    flags = Flags()
    flags.release_gil = True
    return flags


def _file_key(path):
    st = os.stat(path)
    return f"{st.st_mtime_ns} {st.st_size}"


def _recorded_stamp(record, versions):
    """The stamp in ``record`` when its versions and every source file it lists are unchanged,
    else None.  Format: the stamp, the versions hash, then a line per file: key and path."""
    try:
        with open(record, encoding="utf-8") as f:
            stamp, recorded_versions, *files = f.read().splitlines()
        if recorded_versions != versions or not files:
            return None
        for line in files:
            mtime, size, path = line.split(" ", 2)
            if _file_key(path) != f"{mtime} {size}":
                return None
        return stamp
    except (OSError, ValueError):
        return None


def _record_stamp(record, stamp, versions, files):
    """Write ``record`` (atomically: concurrent runs may race; a failure only costs time)."""
    try:
        os.makedirs(os.path.dirname(record), exist_ok=True)
        lines = [stamp, versions] + [f"{_file_key(p)} {p}" for p in sorted(files)]
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(record))
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(tmp, record)
    except OSError:
        pass


class Library:
    """One compiled library: ``kind`` names its file ('dec', 'enc'), ``program`` and ``what``
    its messages; ``entry_points`` are the 'module.function' names of every compiled function
    its program calls from Python; ``prime`` ('module.function', optional) is called before a
    build to give every entry point its argument types."""

    def __init__(self, kind, program, what, entry_points, build_message, prime=None):
        self.kind = kind
        self.program = program
        self.what = what
        self.entry_points = tuple(entry_points)
        self.build_message = build_message
        self.prime = prime

    @functools.cached_property
    def stamp(self):
        """Once per process: a run asks before coding (load) and after (wanted, build).  The
        sources are hashed only when a file the recorded stamp was made from has changed size
        or modification time (as Python checks .pyc files): reading them all took 30 ms of
        every run."""
        import numpy
        versions = hashlib.sha256("\0".join(
            (sys.version, numpy.__version__, _numba_version(), _cpu(), " ".join(self.entry_points))
        ).encode()).hexdigest()
        record = os.path.join(library_dir(), f"dlvc_{self.kind}.stamp")
        stamp = _recorded_stamp(record, versions)
        if stamp:
            return stamp
        h = hashlib.sha256(versions.encode())
        modules = [e.rsplit(".", 1)[0] for e in self.entry_points]
        if self.prime:
            modules.append(self.prime.rsplit(".", 1)[0])
        files = set()
        for module in dict.fromkeys(modules):
            h.update(module.encode() + dependency_stamp(_module_path(module)).encode())
            files.update(dependency_files(_module_path(module)))
        stamp = h.hexdigest()[:20]
        _record_stamp(record, stamp, versions, files)
        return stamp

    @property
    def prefix(self):
        return f"dlvc_{self.kind}_"

    def path(self):
        return os.path.join(library_dir(), self.prefix + self.stamp + sysconfig.get_config_var("EXT_SUFFIX"))

    def wanted(self):
        """Whether a run should build the library now: enabled, not built, not failed."""
        if not enabled():
            return False
        path = self.path()
        return not os.path.isfile(path) and not os.path.isfile(failed_marker(path))

    def load(self):
        """{'module.function': compiled function} from an up-to-date library, or None."""
        if not enabled():
            return None
        path = self.path()
        if not os.path.isfile(path):
            return None
        name = os.path.basename(path).split(".")[0]
        spec = importlib.util.spec_from_file_location(
            name, path, loader=importlib.machinery.ExtensionFileLoader(name, path))
        try:
            lib = importlib.util.module_from_spec(spec)
        except ImportError:
            return None
        return {entry: getattr(lib, entry.rsplit(".", 1)[1]) for entry in self.entry_points}

    def _dispatchers(self):
        for entry in self.entry_points:
            module, name = entry.rsplit(".", 1)
            yield name, getattr(importlib.import_module(module), name)

    def build(self):
        """Compile the entry points, for the argument types this process called them with, into
        the library (written under a temporary name, then renamed: concurrent builds are
        safe).  Returns the library's path, or None when an entry point has not exactly one
        signature (not called, or called with several argument types) and no ``prime`` was
        there to call them all.  A failed priming or compilation (no C compiler, say) raises,
        after writing its reason to ``failed_marker``."""
        import warnings

        from llvmlite import binding
        from numba.pycc import CC
        from numba.pycc import compiler as pycc_compiler
        path = self.path()
        name = os.path.basename(path).split(".")[0]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        flags = pycc_compiler.Flags
        try:
            if self.prime:
                module, function = self.prime.rsplit(".", 1)
                getattr(importlib.import_module(module), function)()
            entries = list(self._dispatchers())
            untyped = [f"{short} ({len(d.nopython_signatures)} types)" for short, d in entries
                       if len(d.nopython_signatures) != 1]
            if untyped and not self.prime:
                return None            # an entry this run did not need: a later run builds
            if untyped:
                raise RuntimeError("priming left entry points without exactly one argument type: "
                                   + ", ".join(untyped))
            pycc_compiler.Flags = _nogil_flags
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
        finally:
            pycc_compiler.Flags = flags
        self._remove_stale(path)
        return path

    def _remove_stale(self, path):
        """Libraries (and failure markers) of earlier sources or versions in the same folder:
        no run of this stamp loads them again."""
        folder, keep = os.path.dirname(path), os.path.basename(path)
        for f in os.listdir(folder):
            if f.startswith(self.prefix) and f != keep:
                try:
                    os.remove(os.path.join(folder, f))
                except OSError:
                    pass

    def use_if_built(self):
        """At a program's start, before any compiled module is imported: run on the library
        when it is up to date (and Numba is not loaded yet)."""
        from . import jit
        if not jit.numba_loaded():
            compiled = self.load()
            if compiled:
                jit.defer(compiled)

    def build_after_run(self):
        """At a program's end: after a run on Numba, build the library later runs load.  A
        failure (no C compiler, say) is one warning; the program keeps using Numba."""
        from . import jit
        if jit.deferring() or not self.wanted():
            return
        print(f"{self.program}: {self.build_message}", file=sys.stderr, flush=True)
        try:
            self.build()
        except Exception as e:
            print(f"{self.program}: could not build the compiled {self.what} library "
                  f"({type(e).__name__}: {' '.join(str(e).split())[:200]}); {self.program} "
                  "keeps using Numba", file=sys.stderr)


DECODER = Library(
    "dec", "dlvc-dec", "decoder",
    ("dlvc.decoder.slice_decoder.decode_slice_data", "dlvc.core.cabac._init_contexts",
     "dlvc.core.cabac.decoder_init", "dlvc.core.deblocking.deblock_picture",
     "dlvc.core.sao.sao_picture"),
    "building the compiled decoder library, once (about half a minute)")

ENCODER = Library(
    "enc", "dlvc-enc", "encoder",
    ("dlvc.encoder.intra_search.compress_ctu", "dlvc.encoder.slice_encoder.write_slice_data",
     "dlvc.encoder.motion.make_fractional_planes", "dlvc.encoder.sao_decision.sao_statistics",
     "dlvc.encoder.sao_decision.sao_rdo", "dlvc.core.cabac._init_contexts",
     "dlvc.core.cabac.writer_reset", "dlvc.core.deblocking.deblock_picture",
     "dlvc.core.sao.sao_picture"),
    "building the compiled encoder library, once (about a minute)",
    prime="dlvc.encoder.prime.prime")

# what a run says on stderr while it builds a library (timing tools look for these)
BUILD_MESSAGES = (DECODER.build_message, ENCODER.build_message)
