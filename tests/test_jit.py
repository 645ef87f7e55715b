"""dlvc/jit.py: Numba loaded without its scipy BLAS probe; scipy still usable afterwards."""
import subprocess
import sys

from codec_util import ROOT

CODE = """
import sys
import numpy as np
from dlvc.encoder.cost import sad
a = np.arange(64, dtype=np.int16).reshape(8, 8)
print(sad(a, 0, 0, np.zeros((8, 8), np.int16), 0, 0, 8, 8))
print('scipy.linalg' in sys.modules)
import scipy.linalg
print(float(scipy.linalg.det(np.eye(3) * 2)))
"""


def test_numba_loads_without_scipy_linalg_which_stays_importable():
    p = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == [str(sum(range(64))), "False", "8.0"]
