"""A tiny synthetic encode that calls every compiled entry point of the encoder.

The encoder's ahead-of-time library (``dlvc/aot.py``, ``ENCODER``) is compiled for the
argument types its entry points were called with; an all-intra run never calls the motion
search, a run with SAO off never decides SAO.  ``prime()`` codes three 96x64 pictures (one
intra, two low-delay P with motion, SAO, AMP and transform skip on) so that every entry point
has been called once, with the types every configuration passes.
"""
import os
import tempfile

import numpy as np

# one P picture per GOP referring to the previous one (HM's Frame line layout)
_CFG = """GOPSize : 1
IntraPeriod : -1
Frame1 : P 1 0 0.0 0.0 0 0 1.0 0 0 0 1 1 -1 0
SAO : 1
AMP : 1
TransformSkip : 1
LoopFilterDisable : 0
"""
_W, _H, _FRAMES = 96, 64, 3


def _clip():
    """A smooth random texture moving by (2, 1) samples per picture, with flat chroma ramps."""
    rng = np.random.default_rng(0)
    big = np.kron(rng.integers(30, 220, (_H // 4 + 2, _W // 4 + 4)), np.ones((4, 4))).astype(np.uint8)
    frames = []
    for k in range(_FRAMES):
        y = big[k:k + _H, 2 * k:2 * k + _W]
        u = np.full((_H // 2, _W // 2), 100 + 10 * k, np.uint8)
        v = np.tile(np.arange(_W // 2, dtype=np.uint8) + 90, (_H // 2, 1))
        frames.append(np.concatenate([y.ravel(), u.ravel(), v.ravel()]))
    return np.concatenate(frames)


def prime():
    from ..config import parse_args
    from .encoder import encode
    with tempfile.TemporaryDirectory() as tmp:
        src, cfg_file = os.path.join(tmp, "prime.yuv"), os.path.join(tmp, "prime.cfg")
        _clip().tofile(src)
        with open(cfg_file, "w", encoding="utf-8") as f:
            f.write(_CFG)
        cfg = parse_args(["-c", cfg_file, "-i", src, "-wdt", str(_W), "-hgt", str(_H), "-fr", "30",
                          "-f", str(_FRAMES), "-q", "32", "--Verbose=0"], "dlvc-enc", warn=False)
        encode(cfg, os.path.join(tmp, "prime.bin"), log=lambda *a, **k: None)
