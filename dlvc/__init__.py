"""dlvc: a DLVC-style hybrid video codec (HEVC Main profile with deep tools off)."""
from . import _numba_cache

_numba_cache.install()
