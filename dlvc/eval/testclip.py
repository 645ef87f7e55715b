"""Synthetic 8-bit 4:2:0 clips for tests and smoke runs: smooth gradients, a moving textured
square and mild noise, deterministic from a seed, so encoders see real motion and texture."""
import os

import numpy as np


def frames(w, h, n, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    tex = rng.integers(0, 255, (h, w)).astype(np.float64)
    tex = (tex + np.roll(tex, 1, 0) + np.roll(tex, 1, 1) + np.roll(tex, (1, 1), (0, 1))) / 4
    for t in range(n):
        y = 60 + 100 * xx / w + 40 * np.sin(yy / 9 + t / 3)
        x0, y0 = (5 + 3 * t) % max(1, w - 24), (4 + 2 * t) % max(1, h - 24)
        y[y0:y0 + 24, x0:x0 + 24] = tex[:24, :24]
        y += rng.normal(0, 2, (h, w))
        u = 128 + 30 * np.cos(xx[::2, ::2] / 11 + t / 5)
        v = 128 + 30 * np.sin(yy[::2, ::2] / 7 - t / 4)
        yield tuple(np.clip(np.rint(p), 0, 255).astype(np.uint8) for p in (y, u, v))


def write_clip(folder, name="Synth", w=96, h=64, fps=30, n=3, seed=0, y4m=False):
    """Write Name_WxH_fps.yuv (or Name.y4m) into folder; returns its path."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}.y4m" if y4m else f"{name}_{w}x{h}_{fps}.yuv")
    with open(path, "wb") as f:
        if y4m:
            f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for planes in frames(w, h, n, seed):
            if y4m:
                f.write(b"FRAME\n")
            for p in planes:
                f.write(p.tobytes())
    return path
