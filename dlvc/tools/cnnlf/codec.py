"""The CNN in-loop filter (dlvc tool 1) in the codec: the normative stage the decoder runs
and the encoder's stage that also decides the flags.

Normative process of a picture whose slice header switches the filter on for a component
(core/syntax/tools_ext.py, core/tool_syntax.py): at the stage the SPS extension records
(slot A: after deblocking, before SAO; slot B: after SAO; core/loopfilter.py), with the filter
QP  QpCnn = Clip3( 0, 51, SliceQpY + CNNLF_QP_OFFSETS[ slice_cnnlf_qp_offset_idx ] )  the
network of infer.py chosen by ``select[slice_cnnlf_set_idx, intra slice, QpCnn]`` (a weights
file holds one model set or two) filters the whole picture (QpCnn
also in its QP input plane; a network with 8 inputs also takes the coding-information plane
of the picture's CU metadata), and every CTB whose cnnlf_flag[ cIdx ] is 1 takes the filtered
samples of that colour component.
The filtered picture is computed only when some flag is 1.

Tool parameters in the SPS record: byte 0, the stage (0 = slot A, 1 = slot B); byte 1 (absent:
0), log2 of the self-ensemble's size K (infer.py: the network on K symmetries of the picture,
their residuals averaged; 0..3 for K = 1, 2, 4, 8).
"""
from __future__ import annotations

import os

import numpy as np

from ...core.cabac import FRAC_BITS_SCALE, bin_cost, encode_decision, init_contexts, new_writer
from ...core.syntax.tools_ext import (
    CNNLF_ALL_CTBS, CNNLF_CTU_FLAGS, CNNLF_OFF, CNNLF_QP_OFFSETS, HASH_BYTES, ToolRecord,
)
from ...core.tool_syntax import CNNLF_CTX, cnnlf_ctx_inc, merge_filtered, new_cnnlf_flags
from ...errors import DlvcError
from .. import CNNLF
from .infer import ENSEMBLE_SIZES, N_IN_INFO, coding_info_plane, filter_planes, load_models

SLOTS = ("A", "B")
_loaded = {}


class CnnLoopFilter:
    """A weights file's models run as a self-ensemble of ``ensemble`` symmetries, loaded once
    per process, path and ensemble size."""

    def __init__(self, path, threads=0, ensemble=1):
        self.path = path
        self.sha256 = CNNLF.weights_sha256(path)
        self.models, self.select = load_models(path)
        self.sets = self.select.shape[0]
        self.threads = threads or (os.cpu_count() or 1)
        self.ensemble = ensemble

    @classmethod
    def get(cls, path, threads=0, ensemble=1):
        key = (os.path.abspath(path), threads, ensemble)
        if key not in _loaded:
            if not os.path.isfile(path):
                raise DlvcError(f"CNN loop filter weights {path} not found")
            _loaded[key] = cls(path, threads, ensemble)
        return _loaded[key]

    def model_index(self, intra, qp, set_idx=0):
        return int(self.select[set_idx, 1 if intra else 0, min(max(qp, 0), 51)])

    def filter(self, planes, qp, intra, meta, set_idx=0):
        """The filtered picture; ``meta``: the picture's CU metadata, for the coding-information
        plane of a model that takes it."""
        model = self.models[self.model_index(intra, qp, set_idx)]
        info = coding_info_plane(meta) if model.n_in == N_IN_INFO else None
        return filter_planes(model, planes, qp, self.threads, ensemble=self.ensemble, info=info)


def sps_record(cfg):
    """The SPS extension record of the tool for an encoder configuration."""
    flt = CnnLoopFilter.get(CNNLF.weights_path(cfg.CNNLFWeights), cfg.CNNLFThreads, cfg.CNNLFEnsemble)
    params = bytes([SLOTS.index(cfg.CNNLFSlot), ENSEMBLE_SIZES.index(cfg.CNNLFEnsemble)])
    return ToolRecord(CNNLF.tool_id, flt.sha256[:HASH_BYTES], params), flt


def decoder_filter(record, extra_weights="", threads=0):
    """The filter a stream's SPS record asks for; DlvcError when dlvc-dec lacks its weights."""
    candidates = [CNNLF.weights_path()] + ([extra_weights] if extra_weights else [])
    for path in candidates:
        if os.path.isfile(path) and CNNLF.weights_sha256(path)[:HASH_BYTES] == record.weights_hash:
            slot, log2_ensemble = (tuple(record.params) + (0, 0))[:2]
            if slot > 1:
                raise DlvcError(f"CNN loop filter stage {slot} in the SPS is not defined")
            if log2_ensemble >= len(ENSEMBLE_SIZES):
                raise DlvcError(f"CNN loop filter self-ensemble size 2^{log2_ensemble} in the SPS is not defined")
            return CnnLoopFilter.get(path, threads, ENSEMBLE_SIZES[log2_ensemble]), SLOTS[slot]
    raise DlvcError(f"the stream's CNN loop filter weights (sha256 {record.weights_hash.hex()}...) "
                    f"are not the ones dlvc-dec holds; give them with --CNNLFWeights FILE")


def filter_qp(slice_qp, qp_offset_idx):
    """QpCnn, the QP the filter runs with (module doc)."""
    return min(max(slice_qp + CNNLF_QP_OFFSETS[qp_offset_idx], 0), 51)


class DecoderStage:
    """Normative stage: filter, then take the filtered samples of the flagged CTBs."""

    def __init__(self, flt, slot, flags, slice_qp, qp_offset_idx, intra, ctb_log2, set_idx=0):
        if set_idx >= flt.sets:
            raise DlvcError(f"slice_cnnlf_set_idx {set_idx}, but the CNN loop filter weights hold {flt.sets} model set")
        self.flt, self.slot, self.flags, self.intra, self.log2 = flt, slot, flags, intra, ctb_log2
        self.qp, self.set_idx = filter_qp(slice_qp, qp_offset_idx), set_idx

    def __call__(self, planes, meta):
        if self.flags.any():
            merge_filtered(planes, self.flt.filter(planes, self.qp, self.intra, meta, self.set_idx), self.flags,
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
    total saving exceeds lambda times all the flags' bits.  ``c``: the colour component
    (cIdx).  Returns (flags [h, w] int32, slice_on, the RD cost saved: the distortion saved
    less lambda times the flags' bits, 0 when the slice flag is off)."""
    h, w = gain.shape
    flags = new_cnnlf_flags(h, w)                      # tool_syntax's layout; component c used
    ctx = ctx.copy()
    we, bufe = new_writer(16, estimate=True)           # advances the contexts as coding will
    saved, bits = 0.0, 0.0
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
    on = bool(flags.any()) and saved > lam * bits
    return (flags if on else flags * 0), on, (saved - lam * bits if on else 0.0)


class EncoderStage:
    """The encoder's stage: filter the picture with each model set of the weights and the
    first ``qp_search`` filter QP offsets (CNNLF_QP_OFFSETS; a set whose model for the offset
    is one already tried is skipped), decide the CTU and slice flags of each by RD cost
    (``lam``: the picture's lambda; chroma distortion weighted by w_cb, w_cr as HM does), keep
    the set and offset that save the most RD cost and apply their flags as the decoder will.
    After the call ``flags``, ``slice_flags`` (the components' modes,
    tools_ext.cnnlf_slice_flags), ``qp_offset_idx`` and ``set_idx`` hold the decisions to
    write."""

    def __init__(self, flt, slot, org, qp, intra, ctb_log2, lam, w_cb, w_cr, init_type, qp_search=1):
        self.flt, self.slot, self.org, self.qp, self.intra = flt, slot, org, qp, intra
        self.log2, self.lam, self.w_cb, self.w_cr, self.init_type = ctb_log2, lam, w_cb, w_cr, init_type
        self.qp_search = qp_search
        self.flags = None
        self.slice_flags = (0, 0, 0)
        self.qp_offset_idx = self.set_idx = 0
        self.stats = {}

    def ctb_sses(self, planes, ch, cw):
        """Per component, the CTBs' SSE against the original (np.int64 [ch, cw] each)."""
        return [ctb_sse(self.org[c], planes[c], self.log2 - (c > 0), ch, cw) for c in range(3)]

    def decide(self, before, filtered, ctx, ch, cw):
        """CTU flags and the components' slice modes of one filtered picture (``before``:
        ctb_sses of the picture before the filter): each component's CTU flags by RD cost
        (decide_flags), or, when that saves more, every CTB of each component whose whole
        picture gains (slice_cnnlf_all_ctbs_flag: no CTU flags).  Returns (flags, modes,
        RD cost saved, stats)."""
        flags = new_cnnlf_flags(ch, cw)
        on, saved, gains = [CNNLF_OFF] * 3, 0.0, []
        after = self.ctb_sses(filtered, ch, cw)
        for c, wt in enumerate((1.0, self.w_cb, self.w_cr)):
            gains.append(wt * (before[c] - after[c]).astype(np.float64))
            flags[:, :, c], slice_on, rd = decide_flags(gains[c], self.lam, ctx, c)
            on[c] = CNNLF_CTU_FLAGS if slice_on else CNNLF_OFF
            saved += rd
        whole = [float(g.sum()) for g in gains]
        all_saved = sum(max(g, 0.0) for g in whole)
        if all_saved > saved:
            on = [CNNLF_ALL_CTBS if g > 0 else CNNLF_OFF for g in whole]
            flags[:] = np.array([int(m == CNNLF_ALL_CTBS) for m in on], np.int32)
            saved = all_saved
        stats = {"ctbs": ch * cw, "all_ctbs": int(CNNLF_ALL_CTBS in on)}
        for c, name in enumerate(("y", "cb", "cr")):
            stats[f"on_{name}"] = int(flags[:, :, c].sum())
            stats[f"gain_{name}"] = float((gains[c] * flags[:, :, c]).sum())
        return flags, tuple(on), saved, stats

    def __call__(self, planes, meta):
        h, w = planes[0].shape
        size = 1 << self.log2
        ch, cw = (h + size - 1) >> self.log2, (w + size - 1) >> self.log2
        ctx = init_contexts(self.init_type, self.qp)
        before = self.ctb_sses(planes, ch, cw)
        best, tried = None, set()
        for set_idx in range(self.flt.sets):
            for idx in range(self.qp_search):
                fqp = filter_qp(self.qp, idx)
                key = (self.flt.model_index(self.intra, fqp, set_idx), fqp)
                if key in tried:
                    continue
                tried.add(key)
                filtered = self.flt.filter(planes, fqp, self.intra, meta, set_idx)
                flags, on, saved, stats = self.decide(before, filtered, ctx, ch, cw)
                if best is None or saved > best[0]:
                    best = (saved, set_idx, idx, filtered, flags, on, stats)
        _, self.set_idx, self.qp_offset_idx, filtered, self.flags, self.slice_flags, self.stats = best
        self.stats["qp_offset"] = CNNLF_QP_OFFSETS[self.qp_offset_idx]
        self.stats["set"] = self.set_idx
        merge_filtered(planes, filtered, self.flags, self.log2)
