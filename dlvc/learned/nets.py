"""Shared building blocks of the learned codecs (imports torch and CompressAI).

Everything here is CompressAI's: EntropyBottleneck, GaussianConditional, GDN, the
rANS coder, ``conv``/``deconv``.  What dlvc adds:

* ``build_indexes``: the scale-table index of every latent computed in integers
  (fixed-point scale vs. fixed-point thresholds of the *stored* table), so the index
  never depends on a float comparison done differently by two libraries;
* ``code_gaussian`` / ``decode_gaussian`` / ``code_factorized`` ...: the encoder
  obtains every quantised latent by *decoding the strings it just wrote* with the
  decoder's own function, so encoder reconstruction == decoder output by construction;
* frame <-> tensor conversion for 8-bit I420 (chroma up-sampled by 2x2 repetition into
  a 3-channel YUV 4:4:4 tensor in [0, 1], down-sampled by 2x2 mean on the way out);
* weight files: float parameters as float16, entropy-model buffers exact, in one .npz;
  ``weights_sha256`` hashes the arrays (name, dtype, shape, bytes), not the zip container.
"""
import hashlib
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from compressai.entropy_models import EntropyBottleneck, GaussianConditional
from compressai.models.utils import conv, deconv  # noqa: F401  (re-exported for the models)
from compressai.models.google import get_scale_table

SCALE_FRAC_BITS = 16


# ---------------------------------------------------------------------------------------------
# entropy models
# ---------------------------------------------------------------------------------------------

def build_indexes(gc, scales):
    """Scale-table index of each scale, as GaussianConditional.build_indexes, in integers.

    index = #{table[i], i < L-1 : table[i] < scale}; both sides are compared as
    floor(value * 2**16) in int64 (the table is the one stored with the weights).
    """
    scales = torch.clamp(scales, min=float(gc.scale_bound))
    q = torch.floor(scales.double() * (1 << SCALE_FRAC_BITS)).to(torch.int64)
    thr = torch.floor(gc.scale_table[:-1].double() * (1 << SCALE_FRAC_BITS)).to(torch.int64)
    idx = torch.searchsorted(thr.contiguous(), q.reshape(-1).contiguous(), right=False)
    return idx.reshape(scales.shape).to(torch.int32)


def update_entropy_models(model):
    """Compute the quantised CDF tables of every entropy model (after training)."""
    for m in model.modules():
        if isinstance(m, GaussianConditional):
            m.update_scale_table(get_scale_table(), force=True)
        elif isinstance(m, EntropyBottleneck):
            m.update(force=True)


def aux_loss(model):
    return sum(m.loss() for m in model.modules() if isinstance(m, EntropyBottleneck))


def code_factorized(eb, z):
    """-> (string, z_hat) with z_hat decoded from the string."""
    s = eb.compress(z)
    return s[0], eb.decompress(s, z.shape[-2:])


def decode_factorized(eb, string, hw):
    return eb.decompress([string], tuple(hw))


def code_gaussian(gc, y, scales, means=None):
    idx = build_indexes(gc, scales)
    s = gc.compress(y, idx, means)
    return s[0], gc.decompress(s, idx, y.dtype, means)


def decode_gaussian(gc, string, scales, means=None):
    idx = build_indexes(gc, scales)
    return gc.decompress([string], idx, torch.float32, means)


def likelihood_bits(likelihoods):
    return sum(torch.log2(lk).sum() for lk in likelihoods) * -1.0


# ---------------------------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------------------------

def pad_to(x, multiple):
    h, w = x.shape[-2:]
    ph, pw = -h % multiple, -w % multiple
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    return x


# ---------------------------------------------------------------------------------------------
# frames
# ---------------------------------------------------------------------------------------------

def frame_to_tensor(y, u, v):
    """uint8 I420 planes -> (1, 3, H, W) float tensor in [0, 1] (chroma repeated 2x2)."""
    yt = torch.from_numpy(np.asarray(y, dtype=np.float32))
    ut = torch.from_numpy(np.repeat(np.repeat(np.asarray(u, np.float32), 2, 0), 2, 1))
    vt = torch.from_numpy(np.repeat(np.repeat(np.asarray(v, np.float32), 2, 0), 2, 1))
    return (torch.stack([yt, ut, vt])[None] / 255.0).contiguous()


def tensor_to_planes(x):
    """(1, 3, H, W) float -> uint8 (Y, U, V) with chroma as the 2x2 mean."""
    x = x.detach().float()
    y = torch.clamp(torch.round(x[0, 0] * 255.0), 0, 255).to(torch.uint8).numpy()
    c = F.avg_pool2d(x[:, 1:3], 2)[0]
    c = torch.clamp(torch.round(c * 255.0), 0, 255).to(torch.uint8).numpy()
    return y, np.ascontiguousarray(c[0]), np.ascontiguousarray(c[1])


def yuv_mse(x_hat, x):
    """HM-style 4:1:1 weighted MSE on a 4:4:4 tensor pair: chroma compared at 4:2:0."""
    my = F.mse_loss(x_hat[:, :1], x[:, :1])
    mc = F.mse_loss(F.avg_pool2d(x_hat[:, 1:], 2), F.avg_pool2d(x[:, 1:], 2))
    return (4.0 * my + 2.0 * mc) / 6.0


# ---------------------------------------------------------------------------------------------
# weights
# ---------------------------------------------------------------------------------------------

def _is_entropy_buffer(name):
    """Buffers kept exact (not float16): the entropy tables, the lower bounds (the
    likelihood bound 1e-9 is 0 in float16, and log2(0) = -inf) and GDN's pedestal."""
    leaf = name.rsplit(".", 1)[-1]
    return leaf in ("_offset", "_quantized_cdf", "_cdf_length", "scale_table", "scale_bound",
                    "target", "bound", "pedestal")


def state_to_arrays(model):
    """Model -> {name: array}: float parameters as float16, entropy buffers exact."""
    out = {}
    for k, v in model.state_dict().items():
        a = v.detach().cpu().numpy()
        if a.dtype.kind == "f" and not _is_entropy_buffer(k):
            a = a.astype(np.float16)
        out[k] = np.ascontiguousarray(a)
    return out


def arrays_sha256(arrays):
    h = hashlib.sha256()
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k])
        h.update(k.encode() + b"\0" + a.dtype.str.encode() + b"\0" + repr(a.shape).encode() + b"\0")
        h.update(a.tobytes())
    return h.hexdigest()


def round_to_half(model):
    """Round float parameters to float16 values in place (what the shipped file holds)."""
    with torch.no_grad():
        for k, v in model.state_dict().items():
            if v.is_floating_point() and not _is_entropy_buffer(k):
                v.copy_(v.half().float())


def save_arrays(path, arrays):
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    with open(path, "wb") as f:
        f.write(buf.getvalue())


def load_arrays(path):
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def load_into(model, arrays):
    """Load {name: array} into model (buffers of the entropy models are resized first)."""
    sd = model.state_dict()
    missing = set(sd) - set(arrays)
    unexpected = set(arrays) - set(sd)
    if missing or unexpected:
        raise ValueError(f"weights do not fit the model: missing {sorted(missing)[:3]}, "
                         f"unexpected {sorted(unexpected)[:3]}")
    bufs = dict(model.named_buffers())
    for k, a in arrays.items():
        if k in bufs and tuple(bufs[k].shape) != a.shape:
            bufs[k].resize_(a.shape)
    new = {}
    for k, a in arrays.items():
        if k.rsplit(".", 1)[-1] in ("bound", "pedestal") and a.dtype == np.float16:
            # weights saved before these buffers were kept exact: the model's own constants
            new[k] = sd[k]
            continue
        t = torch.from_numpy(np.array(a))
        new[k] = t.to(sd[k].dtype) if sd[k].is_floating_point() else t.to(sd[k].dtype)
    model.load_state_dict(new)
    return model


def n_params(model):
    return sum(p.numel() for p in model.parameters())


class Identity(nn.Module):
    def forward(self, x):
        return x
