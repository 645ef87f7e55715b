"""dlvc: a DLVC-style hybrid video codec (HEVC Main profile with deep tools off)."""
import hashlib
import os


def _numba_cache_dir():
    """A Numba cache folder keyed by the compiled sources.

    Numba's own cache only notices changes to the file of the function itself, not
    to the functions it calls, so an edit to core/ could leave stale machine code in
    an encoder function's cache.  Keying the folder by a hash of every source that
    holds compiled code makes an edit start a clean cache.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    h = hashlib.sha256()
    for sub in ("core", "encoder", "decoder", "tools"):
        folder = os.path.join(here, sub)
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".py"):
                    with open(os.path.join(dirpath, name), "rb") as f:
                        h.update(name.encode() + b"\0" + f.read())
    base = os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache"))
    return os.path.join(base, "dlvc", "numba", h.hexdigest()[:16])


if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = _numba_cache_dir()
