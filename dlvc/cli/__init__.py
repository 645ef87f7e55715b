"""dlvc's console scripts.

Imported before NumPy by every script: OpenBLAS would start one server thread per core at
NumPy's import, and each spins for about 0.1 s of CPU before it sleeps -- a tenth of a
short encode on a 2-core machine.  dlvc's programs make no BLAS call that could use them,
so unless the user says otherwise OpenBLAS keeps to the calling thread.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
