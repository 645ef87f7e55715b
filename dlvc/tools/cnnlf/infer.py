"""Bit-exact integer inference of the CNN in-loop filter (DESIGN.md Principle 6).

The network (one per model; a weights file holds several, chosen by slice type and QP)
------------------------------------------------------------------------------------
Input, at half the luma resolution (4:2:0), 7 integer planes:

    Y[0::2, 0::2] - 128, Y[0::2, 1::2] - 128, Y[1::2, 0::2] - 128, Y[1::2, 1::2] - 128,
    Cb - 128, Cr - 128, (QP - 32) * 4                      (all in [-128, 127])

and, for a network whose first layer takes 8 inputs, the coding-information plane of the
picture's CU metadata (``coding_info_plane``): per 4x4 luma unit (2x2 samples of these
planes) 127 in an intra CU, 0 in an inter CU's transform unit with a coded residual (any
cbf), -128 in an inter CU's transform unit without one (skip CUs too: those samples are the
motion-compensated prediction, copied from already filtered references).

then L 3x3 convolutions (zero padding, stride 1).  Layer l has int8 weights W_l
[Cout, Cin, 3, 3], int32 biases B_l [Cout] and per-output-channel shifts S_l [Cout] >= 1;
the rounding offset 2^(S-1) is folded into B.  With ``acc = conv(a, W_l) + B_l``:

    hidden layers:  a' = Clip3(0, 255, acc >> S_l)          (ReLU and 8-bit activations)
    last layer:     r  = acc >> S_l   (6 channels: the residual of the 4 luma phases, Cb, Cr)
    output:         Clip3(0, 255, sample + r)

``>>`` is the arithmetic shift (floor division by 2^S).  Everything is an integer.

Geometric self-ensemble (the SPS record's second parameter byte, K = 1, 2, 4 or 8): the
network runs on the K first of the picture's 8 symmetries in ``ENSEMBLE_ORDER`` (flips and
transpositions of the whole picture; ``dihedral`` gives their action on the planes above),
each residual is brought back by the inverse symmetry, and

    r = (sum of the K residuals + K / 2) >> log2(K)

replaces the single residual.  K = 1 is the plain network.  The net was trained on randomly
flipped and transposed patches, so its errors under the 8 symmetries are partly independent
and their mean is a better filter (held-out luma gain +0.11 dB at K = 1, +0.17 dB at K = 8).

Why the float32 evaluation is exact
-----------------------------------
Every input of a layer is an integer of magnitude <= 255 (<= 128 for the first layer) and
every weight <= 127, so every product is an exact integer and every partial sum of a
convolution, in any order, is bounded by ``bound = sum |W| * amax + |B|`` of its output
channel.  ``check_bounds`` refuses a model for which any bound reaches 2^24, so every
partial sum is an integer below 2^24 and float32 represents it exactly: additions and
fused multiply-adds are exact whatever the summation order, blocking or thread count the
convolution library picks (direct or GEMM convolution; no transform-domain algorithm is
used by torch's CPU conv2d for these shapes).  The shift is folded into the layer: its
weights and bias are multiplied by 2^-S (exact: a power of two, far from float32's
underflow), so every product and partial sum is the integer one times 2^-S, an integer
multiple of 2^-S below 2^(24-S), again exact; the convolution's output is acc * 2^-S and a
floor makes it acc >> S.  ``infer_residual_reference`` recomputes all of it with NumPy
int64 sums, tap by tap, and the tests demand identical output (and for 1 and 2 torch
threads).
"""
from __future__ import annotations

import numpy as np

from ...core.picture import F_CBF, F_PRED_MODE, MODE_INTRA

EXACT_LIMIT = 1 << 24          # float32 holds every integer below this exactly
N_IN = 7                       # the sample and QP planes
N_IN_INFO = 8                  # ... and the coding-information plane
INFO_INTRA, INFO_RESIDUAL, INFO_COPIED = 127, 0, -128
N_OUT = 6
MAX_SETS = 2                   # model sets in a weights file (slice_cnnlf_set_idx: one bit)
QP_PLANE_SCALE = 4
QP_PLANE_OFFSET = 32


class IntModel:
    """One integer network: lists of int8 weights, int32 biases, int32 shifts per layer."""

    def __init__(self, weights, biases, shifts):
        self.weights = [np.asarray(w, np.int8) for w in weights]
        self.biases = [np.asarray(b, np.int64) for b in biases]
        self.shifts = [np.asarray(s, np.int64) for s in shifts]
        if self.weights[0].shape[1] not in (N_IN, N_IN_INFO) or self.weights[-1].shape[0] != N_OUT:
            raise ValueError(f"CNN filter: {self.weights[0].shape[1]} inputs and {self.weights[-1].shape[0]} "
                             f"outputs, not {N_IN} or {N_IN_INFO} and {N_OUT}")
        check_bounds(self)
        self._torch = None

    @property
    def layers(self):
        return len(self.weights)

    @property
    def n_in(self):
        return self.weights[0].shape[1]

    def torch_params(self):
        """(weights, biases) of each layer as float32 torch tensors scaled by 2^-S (the
        module doc: exact), made once."""
        if self._torch is None:
            import torch
            ws, bs = [], []
            for w, b, s in zip(self.weights, self.biases, self.shifts):
                e = -s.astype(np.int32)
                ws.append(torch.from_numpy(np.ldexp(w.astype(np.float32), e[:, None, None, None]))
                          .contiguous(memory_format=torch.channels_last))
                bs.append(torch.from_numpy(np.ldexp(b.astype(np.float32), e)))
            self._torch = (ws, bs)
        return self._torch


def layer_bounds(model):
    """Largest possible |partial sum| per layer and output channel (see the module doc)."""
    out = []
    for i, (w, b) in enumerate(zip(model.weights, model.biases)):
        amax = 128 if i == 0 else 255
        out.append(np.abs(w.astype(np.int64)).reshape(w.shape[0], -1).sum(1) * amax + np.abs(b))
    return out


def check_bounds(model):
    for i, (bound, s) in enumerate(zip(layer_bounds(model), model.shifts)):
        if np.any(bound >= EXACT_LIMIT):
            raise ValueError(f"CNN filter layer {i}: partial sums up to {int(bound.max())} are not "
                             f"exact in float32 (limit {EXACT_LIMIT})")
        if np.any(s < 1) or np.any(s > 30):
            raise ValueError(f"CNN filter layer {i}: shift out of range 1..30")


def coding_info_plane(meta):
    """The coding-information plane (module doc), np.int32 [H/2, W/2], of a picture's CU
    metadata (core/picture.py)."""
    coded = np.where(meta[F_CBF] != 0, INFO_RESIDUAL, INFO_COPIED)
    v = np.where(meta[F_PRED_MODE] == MODE_INTRA, INFO_INTRA, coded).astype(np.int32)
    return v.repeat(2, 0).repeat(2, 1)


def make_input(planes, qp, info=None):
    """The input planes, np.int32 [7, H/2, W/2] (planes: Y, Cb, Cr of even size), or
    [8, H/2, W/2] with the coding-information plane ``info``."""
    y, cb, cr = planes
    h2, w2 = cb.shape
    x = np.empty((N_IN if info is None else N_IN_INFO, h2, w2), np.int32)
    x[0] = y[0::2, 0::2]
    x[1] = y[0::2, 1::2]
    x[2] = y[1::2, 0::2]
    x[3] = y[1::2, 1::2]
    x[4] = cb
    x[5] = cr
    x[:6] -= 128
    x[6] = (qp - QP_PLANE_OFFSET) * QP_PLANE_SCALE
    if info is not None:
        x[7] = info
    return x


def split_output(planes, r):
    """Add the residual r [6, H/2, W/2] (int) to the planes; returns new clipped int16 planes."""
    y, cb, cr = planes
    oy = y.astype(np.int32)
    oy[0::2, 0::2] += r[0]
    oy[0::2, 1::2] += r[1]
    oy[1::2, 0::2] += r[2]
    oy[1::2, 1::2] += r[3]
    ocb = cb.astype(np.int32) + r[4]
    ocr = cr.astype(np.int32) + r[5]
    return tuple(np.clip(p, 0, 255).astype(np.int16) for p in (oy, ocb, ocr))


def _network(model, a):
    """The network on a torch float32 tensor a [1, C, h, w] (channels_last): its integer
    residual [1, 6, h, w] in float32 (exact, see the module doc), the steps in place."""
    import torch
    ws, bs = model.torch_params()
    last = len(ws) - 1
    for i in range(len(ws)):
        a = torch.nn.functional.conv2d(a, ws[i], bs[i], padding=1).floor_()
        if i < last:
            a.clamp_(0.0, 255.0)
    return a


def infer_residual(model, x, threads=0):
    """The network's integer residual r [6, H/2, W/2] (np.int32) for input x [7, H/2, W/2],
    evaluated with torch in float32 (exact, see the module doc)."""
    return ensemble_residual(model, x, 1, threads)


def infer_residual_reference(model, x):
    """Slow reference of ``infer_residual``: NumPy int64, one 3x3 tap at a time."""
    a = x.astype(np.int64)
    last = model.layers - 1
    for i, (w, b, s) in enumerate(zip(model.weights, model.biases, model.shifts)):
        cout, cin = w.shape[:2]
        h, wd = a.shape[1:]
        p = np.zeros((cin, h + 2, wd + 2), np.int64)
        p[:, 1:-1, 1:-1] = a
        acc = np.zeros((cout, h, wd), np.int64)
        acc += b[:, None, None]
        w64 = w.astype(np.int64)
        for ky in range(3):
            for kx in range(3):
                tap = p[:, ky:ky + h, kx:kx + wd]            # [cin, h, w]
                acc += np.tensordot(w64[:, :, ky, kx], tap, axes=(1, 0))
        a = acc >> s[:, None, None]
        if i < last:
            a = np.clip(a, 0, 255)
    return a.astype(np.int32)


# make_input's channels under a horizontal flip, a vertical flip and a transposition of the
# picture: the four luma phases (even/odd row, even/odd column) trade places
_FLIP_X = [1, 0, 3, 2, 4, 5, 6, 7]
_FLIP_Y = [2, 3, 0, 1, 4, 5, 6, 7]
_TRANSPOSE = [0, 2, 1, 3, 4, 5, 6, 7]
# the self-ensemble's symmetries (``dihedral``'s k) in the order K of them are taken: for K = 2
# the transposition, for K = 4 the subgroup {1, transposition, 180 degree turn, anti-transposition}
ENSEMBLE_ORDER = (0, 4, 3, 7, 1, 5, 2, 6)
ENSEMBLE_SIZES = (1, 2, 4, 8)


def _flip(a, axis):
    return np.flip(a, axis) if isinstance(a, np.ndarray) else a.flip(axis)


def dihedral(a, k, inverse=False):
    """Network planes a [..., C, h, w] (make_input's or the residual's layout; a NumPy array
    or a torch tensor) of the picture flipped horizontally (k & 1), vertically (k & 2), then
    transposed (k & 4): the 8 symmetries of the square.  ``inverse``: undo that symmetry."""
    c = a.shape[-3]
    if inverse and k & 4:
        a = a[..., _TRANSPOSE[:c], :, :].swapaxes(-1, -2)
    if k & 1:
        a = _flip(a[..., _FLIP_X[:c], :, :], -1)
    if k & 2:
        a = _flip(a[..., _FLIP_Y[:c], :, :], -2)
    if not inverse and k & 4:
        a = a[..., _TRANSPOSE[:c], :, :].swapaxes(-1, -2)
    return a


def ensemble_residual(model, x, count=1, threads=0, reference=False):
    """The residual of the self-ensemble of ``count`` symmetries (module doc), np.int32
    [6, H/2, W/2], for input x [7 or 8, H/2, W/2]; ``reference``: by
    ``infer_residual_reference``.  The symmetries are applied to torch tensors, each
    network's output summed as it comes (one picture at a time: batching the symmetries is
    no faster on the CPU)."""
    if count not in ENSEMBLE_SIZES:
        raise ValueError(f"CNN filter self-ensemble of {count} symmetries: not one of {ENSEMBLE_SIZES}")
    if reference:
        acc = sum(dihedral(infer_residual_reference(model, dihedral(x, k)), k, inverse=True)
                  for k in ENSEMBLE_ORDER[:count])
    else:
        import torch
        if threads:
            torch.set_num_threads(threads)
        with torch.inference_mode():
            xt = torch.from_numpy(np.asarray(x, np.float32))[None]
            acc = torch.zeros((N_OUT,) + tuple(x.shape[1:]), dtype=torch.int32)
            for k in ENSEMBLE_ORDER[:count]:
                xk = dihedral(xt, k).contiguous(memory_format=torch.channels_last)
                acc += dihedral(_network(model, xk), k, inverse=True)[0].to(torch.int32)
            acc = acc.numpy()
    return (acc + (count >> 1)) >> (count.bit_length() - 1)


def filter_planes(model, planes, qp, threads=0, reference=False, ensemble=1, info=None):
    """The filtered picture (new int16 planes) for a decoded picture and its QP, by the
    self-ensemble of ``ensemble`` symmetries.  ``info``: the picture's coding-information
    plane, used by a model with 8 inputs (required there)."""
    if model.n_in == N_IN_INFO and info is None:
        raise ValueError("this CNN filter model needs the coding-information plane")
    x = make_input(planes, qp, info if model.n_in == N_IN_INFO else None)
    return split_output(planes, ensemble_residual(model, x, ensemble, threads, reference))


# --------------------------------------------------------------------------- weights files

def load_models(path):
    """(models, select) from a weights .npz: ``select`` [sets, 2, 52] gives the model index
    for (slice_cnnlf_set_idx, intra slice?, QP); a file holds one model set (``select``
    [2, 52] in the file) or two (MAX_SETS)."""
    with np.load(path, allow_pickle=False) as z:
        n = int(z["num_models"])
        models = []
        for m in range(n):
            L = int(z[f"m{m}_layers"])
            models.append(IntModel([z[f"m{m}_w{l}"] for l in range(L)], [z[f"m{m}_b{l}"] for l in range(L)],
                                   [z[f"m{m}_s{l}"] for l in range(L)]))
        select = np.asarray(z["select"], np.int64)
    if select.ndim == 2:
        select = select[None]
    if select.shape[1:] != (2, 52) or not 1 <= select.shape[0] <= MAX_SETS or select.min() < 0 or select.max() >= n:
        raise ValueError("bad model selection table in CNN filter weights")
    return models, select


def merge_sets(paths):
    """(models, select) of one weights file holding the model sets of the files ``paths``
    (one set each), set i from paths[i]; a model the sets share is stored once."""
    if not 2 <= len(paths) <= MAX_SETS:
        raise ValueError(f"CNN filter weights hold 1 to {MAX_SETS} model sets, not {len(paths)}")
    models, select = [], []
    for path in paths:
        ms, sel = load_models(path)
        if sel.shape[0] != 1:
            raise ValueError(f"{path} already holds {sel.shape[0]} model sets")
        index = []
        for m in ms:
            same = [i for i, k in enumerate(models)
                    if k.layers == m.layers and all(np.array_equal(u, v) for u, v in
                                                    zip(k.weights + k.biases + k.shifts, m.weights + m.biases + m.shifts))]
            if not same:
                models.append(m)
            index.append(same[0] if same else len(models) - 1)
        select.append(np.asarray(index)[sel[0]])
    return models, np.stack(select)


def save_models(path, models, select, extra=None):
    d = {"num_models": np.int32(len(models)), "select": np.asarray(select, np.int32)}
    for m, model in enumerate(models):
        d[f"m{m}_layers"] = np.int32(model.layers)
        for l in range(model.layers):
            d[f"m{m}_w{l}"] = model.weights[l].astype(np.int8)
            d[f"m{m}_b{l}"] = model.biases[l].astype(np.int32)
            d[f"m{m}_s{l}"] = model.shifts[l].astype(np.int8)
    if extra:
        d.update(extra)
    with open(path, "wb") as f:
        np.savez_compressed(f, **d)
