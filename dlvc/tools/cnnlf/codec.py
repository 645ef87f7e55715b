"""The CNN in-loop filter (dlvc tool 1) in the codec: the normative stage the decoder runs
and the encoder's stage that also decides the flags.

Normative process of a picture whose slice header switches the filter on for a component
(core/syntax/tools_ext.py, core/tool_syntax.py): at the stage the SPS extension records
(slot A: after deblocking, before SAO; slot B: after SAO; core/loopfilter.py), the network
of infer.py chosen by ``select[intra slice, SliceQpY]`` filters the whole picture, its
residual scaled per component by (2 + cnnlf_scale_idx[ cIdx ]) / 4, and every CTB whose
cnnlf_flag[ cIdx ] is 1 takes the filtered samples of that colour component.  The filtered
picture is computed only when some flag is 1.

Tool parameters in the SPS record (one byte): 0 = slot A, 1 = slot B.
"""
from __future__ import annotations

import os

import numpy as np

from ...core.cabac import FRAC_BITS_SCALE, bin_cost, encode_decision, init_contexts, new_writer
from ...core.syntax.tools_ext import HASH_BYTES, ToolRecord
from ...core.tool_syntax import CNNLF_CTX, CNNLF_SCALE_BINS, cnnlf_ctx_inc, merge_filtered, new_cnnlf_flags
from ...errors import DlvcError
from .. import CNNLF
from .infer import SCALE_LOG2, SCALE_NUM, UNIT_SCALE_IDX, infer_accumulator, load_models, make_input, scale_residual, split_output

SLOTS = ("A", "B")
_loaded = {}


class CnnLoopFilter:
    """A weights file's models, loaded once per process and path."""

    def __init__(self, path, threads=0):
        self.path = path
        self.sha256 = CNNLF.weights_sha256(path)
        self.models, self.select = load_models(path)
        self.threads = threads or (os.cpu_count() or 1)

    @classmethod
    def get(cls, path, threads=0):
        key = (os.path.abspath(path), threads)
        if key not in _loaded:
            if not os.path.isfile(path):
                raise DlvcError(f"CNN loop filter weights {path} not found")
            _loaded[key] = cls(path, threads)
        return _loaded[key]

    def model_for(self, intra, qp):
        return self.models[int(self.select[1 if intra else 0, min(max(qp, 0), 51)])]

    def accumulate(self, planes, qp, intra):
        """(model, the last layer's accumulators) of a picture: the network's work, done once
        for every residual scale."""
        model = self.model_for(intra, qp)
        return model, infer_accumulator(model, make_input(planes, qp), self.threads)

    def filter(self, planes, qp, intra, scale_idx=(UNIT_SCALE_IDX,) * 3):
        model, acc = self.accumulate(planes, qp, intra)
        return split_output(planes, scale_residual(model, acc, scale_idx))


def sps_record(cfg):
    """The SPS extension record of the tool for an encoder configuration."""
    flt = CnnLoopFilter.get(CNNLF.weights_path(cfg.CNNLFWeights), cfg.CNNLFThreads)
    return ToolRecord(CNNLF.tool_id, flt.sha256[:HASH_BYTES], bytes([SLOTS.index(cfg.CNNLFSlot)])), flt


def decoder_filter(record, extra_weights="", threads=0):
    """The filter a stream's SPS record asks for; DlvcError when dlvc-dec lacks its weights."""
    candidates = [CNNLF.weights_path()] + ([extra_weights] if extra_weights else [])
    for path in candidates:
        if os.path.isfile(path) and CNNLF.weights_sha256(path)[:HASH_BYTES] == record.weights_hash:
            flt = CnnLoopFilter.get(path, threads)
            slot = record.params[0] if record.params else 0
            if slot > 1:
                raise DlvcError(f"CNN loop filter stage {slot} in the SPS is not defined")
            return flt, SLOTS[slot]
    raise DlvcError(f"the stream's CNN loop filter weights (sha256 {record.weights_hash.hex()}...) "
                    f"are not the ones dlvc-dec holds; give them with --CNNLFWeights FILE")


class DecoderStage:
    """Normative stage: filter, then take the filtered samples of the flagged CTBs."""

    def __init__(self, flt, slot, flags, scale_idx, qp, intra, ctb_log2):
        self.flt, self.slot, self.flags, self.scale_idx = flt, slot, flags, scale_idx
        self.qp, self.intra, self.log2 = qp, intra, ctb_log2

    def __call__(self, planes):
        if self.flags.any():
            merge_filtered(planes, self.flt.filter(planes, self.qp, self.intra, tuple(self.scale_idx)), self.flags,
                           self.log2)


# ------------------------------------------------------------------------------ encoder side

def ctb_sse(org, rec, ctb_log2, ctbs_h, ctbs_w):
    """Sum of squared differences per CTB, np.int64 [ctbs_h, ctbs_w]."""
    size = 1 << ctb_log2
    h, w = rec.shape
    d = (org[:h, :w].astype(np.int64) - rec) ** 2
    ph, pw = ctbs_h * size, ctbs_w * size
    if (ph, pw) != (h, w):
        d = np.pad(d, ((0, ph - h), (0, pw - w)))
    return d.reshape(ctbs_h, size, ctbs_w, size).sum(axis=(1, 3))


def decide_flags(gain, lam, ctx, c):
    """Greedy raster-order decision of one component's CTU flags by rate-distortion cost:
    a flag is 1 when the distortion it saves exceeds lambda times the extra bits, with the
    bits estimated from the adaptive contexts (ctxInc from the left and above decisions
    already made, as the syntax codes them).  Then the slice flag: on only if the CTU flags'
    total saving exceeds lambda times all the flags' bits and the scale's.  ``c``: the
    colour component (cIdx).  Returns (flags [h, w] int32, slice_on, cost): cost is the
    change of D + lambda R against the slice flag off (0 when off)."""
    h, w = gain.shape
    flags = new_cnnlf_flags(h, w)                      # tool_syntax's layout; component c used
    ctx = ctx.copy()
    we, bufe = new_writer(16, estimate=True)           # advances the contexts as coding will
    saved, bits = 0.0, float(CNNLF_SCALE_BINS)
    scale = 1.0 / FRAC_BITS_SCALE
    for ry in range(h):
        for rx in range(w):
            ci = CNNLF_CTX + 3 * c + cnnlf_ctx_inc(flags, rx, ry, c, w, 0)
            b0, b1 = bin_cost(ctx, ci, 0) * scale, bin_cost(ctx, ci, 1) * scale
            f = 1 if gain[ry, rx] - lam * (b1 - b0) > 0 else 0
            flags[ry, rx, c] = f
            bits += b1 if f else b0
            saved += gain[ry, rx] if f else 0.0
            encode_decision(we, bufe, ctx, ci, f)
    flags = flags[:, :, c]
    cost = lam * bits - saved
    on = bool(flags.any()) and cost < 0
    return (flags if on else flags * 0), on, (cost if on else 0.0)


class EncoderStage:
    """The encoder's stage: filter the picture, decide per component the residual scale and
    the CTU and slice flags by RD cost (``lam``: the picture's lambda; chroma distortion
    weighted by w_cb, w_cr as HM does), apply them as the decoder will.  After the call
    ``flags``, ``slice_flags`` and ``scale_idx`` hold the decisions to write.  ``choose_scale``
    False: scale 1 always (the ablation of the scales)."""

    def __init__(self, flt, slot, org, qp, intra, ctb_log2, lam, w_cb, w_cr, init_type, choose_scale=True):
        self.flt, self.slot, self.org, self.qp, self.intra = flt, slot, org, qp, intra
        self.log2, self.lam, self.w_cb, self.w_cr, self.init_type = ctb_log2, lam, w_cb, w_cr, init_type
        self.scales = range(len(SCALE_NUM)) if choose_scale else (UNIT_SCALE_IDX,)
        self.flags = None
        self.slice_flags = (0, 0, 0)
        self.scale_idx = (UNIT_SCALE_IDX,) * 3
        self.stats = {}

    def __call__(self, planes):
        h, w = planes[0].shape
        size = 1 << self.log2
        ch, cw = (h + size - 1) >> self.log2, (w + size - 1) >> self.log2
        model, acc = self.flt.accumulate(planes, self.qp, self.intra)
        ctx = init_contexts(self.init_type, self.qp)
        self.flags = new_cnnlf_flags(ch, cw)
        on, scale_idx, self.stats = [0, 0, 0], [UNIT_SCALE_IDX] * 3, {"ctbs": ch * cw}
        best = [(0.0, None, None)] * 3           # (cost, flags, filtered plane) per component
        base = [ctb_sse(self.org[c], planes[c], self.log2 - (c > 0), ch, cw) for c in range(3)]
        for k in self.scales:
            filtered = split_output(planes, scale_residual(model, acc, (k, k, k)))
            for c, wt in enumerate((1.0, self.w_cb, self.w_cr)):
                gain = wt * (base[c] - ctb_sse(self.org[c], filtered[c], self.log2 - (c > 0), ch, cw)).astype(np.float64)
                flags, is_on, cost = decide_flags(gain, self.lam, ctx, c)
                if is_on and cost < best[c][0]:
                    best[c] = (cost, flags, filtered[c])
                    scale_idx[c], on[c] = k, 1
                    self.stats[f"gain_{'y cb cr'.split()[c]}"] = float((gain * flags).sum())
        for c, name in enumerate(("y", "cb", "cr")):
            if on[c]:
                self.flags[:, :, c] = best[c][1]
            self.stats[f"on_{name}"] = int(self.flags[:, :, c].sum())
            self.stats[f"scale_{name}"] = SCALE_NUM[scale_idx[c]] / (1 << SCALE_LOG2) if on[c] else 0.0
            self.stats.setdefault(f"gain_{name}", 0.0)
        self.slice_flags = tuple(on)
        self.scale_idx = tuple(scale_idx)
        merge_filtered(planes, tuple(best[c][2] if on[c] else planes[c] for c in range(3)), self.flags, self.log2)
