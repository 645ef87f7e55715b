"""The hybrid encoder's picture loop: frames in, HEVC Annex-B NAL units out.

Per picture: slice parameters (QP, lambda) -> compiled CTU decisions and CABAC
coding (``slice_encoder``) -> NAL units with the decoded picture hash.  Reports a
line per picture and a summary like HM's TAppEncoder.
"""
import json
import os
import queue
import time
from collections import deque
from contextlib import closing
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

import numpy as np

from ..core.bitstream import CRA_NUT, IDR_W_RADL, PPS_NUT, SPS_NUT, SUFFIX_SEI_NUT, TRAIL_R, VPS_NUT, nal_unit
from ..core.cabac import init_contexts, new_writer
from ..core.params import P_SLICE_QP, SLICE_B, SLICE_I, make_params
from ..core.loopfilter import LF_SAO_CHROMA, LF_SAO_LUMA, apply_loop_filters, make_lf_params
from ..core.picture import new_meta
from ..core.sao import new_sao_params
from ..core.syntax.pps import write_pps
from ..core.syntax.sei import picture_md5, write_decoded_picture_hash_sei
from ..core.syntax.slice_header import SliceHeader, write_slice_header
from ..core.syntax.tools_ext import set_cnnlf_slice_flags
from ..core.tool_syntax import new_cnnlf_flags
from ..core.syntax.st_rps import explicit_st_rps
from ..core.syntax.sps import write_sps
from ..core.syntax.vps import write_vps
from ..io import Frame, VideoReader, YuvWriter, coded_size, crop_frame, new_frame, pad_frame
from ..metrics import mse, psnr_from_mse, yuv_psnr
from ..core.ctu_syntax import CAND_SIZE
from ..core.mvpred import make_mv_params
from ..core.picture import NUM_FIELDS
from .gop import CodingStructure, gop_entries_from_cfg
from .inter_search import IP_MVD_L1_ZERO, inter_options, make_inter_context
from .motion import PAD, make_fractional_planes
from .intra_search import (
    E_FAST_MPM, E_LAMBDA, E_RDOQ, E_RDOQ_TS, E_SQRT_LAMBDA, E_TS_FAST, E_W_CB, E_W_CR, NUM_EPARAMS,
)
from .lambdas import lambda_params, hm_lambda
from .parameter_sets import build_parameter_sets
from .sao_decision import decide_sao_picture, sao_lambdas
from .slice_encoder import write_slice_data
from .wavefront import CtuDecider


class PictureEncoder:
    """Encodes pictures of one size and configuration; keeps its scratch buffers.  ``threads``:
    CTUs decided at once (wavefront.CtuDecider); or ``decider``, one shared with the encoders
    of other pictures coded in parallel."""

    def __init__(self, cfg, cs=None, threads=1, decider=None):
        self.cfg = cfg
        self.vps, self.sps, self.pps = build_parameter_sets(cfg, cs)
        self.width, self.height = cfg.SourceWidth, cfg.SourceHeight
        self.cw, self.ch = coded_size(self.width, self.height, 8)
        self.decider = decider or CtuDecider(threads)
        self.cand = np.zeros(CAND_SIZE, np.int64)     # MPM scratch and QP state (ctu_syntax)
        # a picture's CABAC output is bounded by the raw data plus CABAC's overhead
        self.capacity = self.cw * self.ch * 4 + 4096
        self.cnnlf = None        # dlvc tool 1, the CNN in-loop filter (loaded only when on)
        if cfg.CNNLoopFilter:
            from ..tools.cnnlf.codec import sps_record
            self.cnnlf = sps_record(cfg)[1]
        self.extra_stages = None  # f(org, qp, slice_type) -> more deep stages (training data capture)
        self.cnnlf_stage = None  # the CNN filter's stage of the picture coded last
        self.refs = None         # RefStore of the reference pictures (coding structures)

    def deep_stages(self, org, qp, slice_type, ep, init_type):
        """The loop-filter stages of the deep tools for one picture (core/loopfilter.py)."""
        # the extra stages first: at the CNN filter's own slot they capture its input
        stages = self.extra_stages(org, qp, slice_type) if self.extra_stages is not None else []
        self.cnnlf_stage = None
        if self.cnnlf is not None:
            from ..tools.cnnlf.codec import EncoderStage
            self.cnnlf_stage = EncoderStage(self.cnnlf, self.cfg.CNNLFSlot, org, qp, slice_type == SLICE_I,
                                            int(self.sps.CtbLog2SizeY), ep[E_LAMBDA], ep[E_W_CB], ep[E_W_CR],
                                            init_type, self.cfg.CNNLFQpSearch)
            stages.append(self.cnnlf_stage)
        return stages

    def deep_stats(self):
        """Per-picture statistics of the deep tools of the picture coded last (for the log
        and StatsFile): {"cnnlf": {on_y, on_cb, on_cr, ctbs, all_ctbs, gain_y, gain_cb, gain_cr,
        qp_offset}} or {}."""
        if self.cnnlf_stage is None:
            return {}
        return {"cnnlf": dict(self.cnnlf_stage.stats)}

    def deep_syntax(self, sh):
        """The CNN filter's CTU flags and slice flags decided by the stages; sets the slice
        header extension."""
        size = 1 << self.sps.CtbLog2SizeY
        flags = new_cnnlf_flags(-(-self.ch // size), -(-self.cw // size))
        on = np.zeros(3, np.int32)
        if self.cnnlf_stage is not None:
            st = self.cnnlf_stage
            flags, on = st.flags, np.asarray(st.slice_flags, np.int32)
            set_cnnlf_slice_flags(sh, self.pps, on, st.qp_offset_idx, st.set_idx)
        return flags, on

    def parameter_set_nals(self):
        return [nal_unit(VPS_NUT, write_vps(self.vps)), nal_unit(SPS_NUT, write_sps(self.sps)),
                nal_unit(PPS_NUT, write_pps(self.pps))]

    def encoder_params(self, qp):
        cfg = self.cfg
        lp = lambda_params(qp, hm_lambda(qp, True), self.pps.pps_cb_qp_offset, self.pps.pps_cr_qp_offset)
        ep = np.zeros(NUM_EPARAMS, np.float64)
        ep[E_LAMBDA] = lp["lambda"]
        ep[E_SQRT_LAMBDA] = lp["sqrt_lambda"]
        ep[E_W_CB] = lp["w_cb"]
        ep[E_W_CR] = lp["w_cr"]
        ep[E_RDOQ] = cfg.RDOQ
        ep[E_RDOQ_TS] = cfg.RDOQTS
        ep[E_FAST_MPM] = cfg.FastUDIUseMPMEnabled
        ep[E_TS_FAST] = cfg.TransformSkipFast
        return ep

    def filter_and_write(self, org, rec, coef, meta, prm, ep, slice_type, init_type, sh, nal_unit_type,
                         ref_ids=None):
        """After the CTU decisions: the in-loop filters with SAO's and the deep tools'
        decisions, then the slice NAL unit (and the picture hash SEI).  sh: the slice header,
        its SAO and tool flags set here from those decisions.  Returns the NAL units."""
        qp = int(prm[P_SLICE_QP])
        sao_on = sh.slice_sao_luma_flag or sh.slice_sao_chroma_flag
        lf = make_lf_params(self.sps, self.pps, sh)
        lambdas = sao_lambdas(ep[E_LAMBDA], ep[E_W_CB], ep[E_W_CR])
        stages = self.deep_stages(org, qp, slice_type, ep, init_type)
        sao = apply_loop_filters(
            rec, meta, prm, lf, ref_pic_ids=ref_ids, keep_pre_deblocking=bool(self.cfg.SAOLcuBoundary),
            decide_sao=(lambda deb, pre: decide_sao_picture(org, deb, pre, prm, lf, lambdas, qp)) if sao_on else None,
            deep=stages)
        if sao is None:
            sao = new_sao_params(1, 1)
        # SAO's decision may switch a component off for the whole slice
        sh.slice_sao_luma_flag, sh.slice_sao_chroma_flag = int(lf[0, LF_SAO_LUMA]), int(lf[0, LF_SAO_CHROMA])
        cnn_flags, cnn_on = self.deep_syntax(sh)
        w, buf = new_writer(self.capacity)
        nbytes = write_slice_data(w, buf, init_contexts(init_type, qp), meta, coef, prm, sao, sh.slice_sao_luma_flag,
                                  sh.slice_sao_chroma_flag, self.cand, cnn_flags, cnn_on)
        header = write_slice_header(sh, self.sps, self.pps, nal_unit_type)
        nals = [nal_unit(nal_unit_type, header + bytes(buf[:nbytes]))]
        if self.cfg.SEIDecodedPictureHash:
            nals.append(nal_unit(SUFFIX_SEI_NUT, write_decoded_picture_hash_sei(picture_md5(rec))))
        return nals

    def encode(self, frame, poc, nal_unit_type, qp):
        """Code one frame as an intra picture. Returns (list of NAL bytes, reconstructed Frame)."""
        org = tuple(pad_frame(frame, self.cw, self.ch, np.int16))
        rec = tuple(new_frame(self.cw, self.ch, np.int16))
        coef = tuple(new_frame(self.cw, self.ch, np.int32))
        meta = new_meta(self.cw, self.ch)
        prm = make_params(self.sps, self.pps, SLICE_I, qp)
        ep = self.encoder_params(qp)
        inter = make_inter_context(None, np.zeros((2, 16), np.int32), np.zeros(2, np.int32),
                                   np.full(16, -1, np.int32), meta, np.zeros(144, np.int32),
                                   inter_options(self.cfg, ep[E_LAMBDA]))
        self.decider.decide(org, rec, coef, meta, prm, ep, init_contexts(0, qp), inter)
        sao_on = int(self.sps.sample_adaptive_offset_enabled_flag)
        sh = SliceHeader(first_slice_segment_in_pic_flag=1, slice_type=SLICE_I,
                         slice_pic_order_cnt_lsb=poc % (1 << (self.sps.log2_max_pic_order_cnt_lsb_minus4 + 4)),
                         slice_qp_delta=qp - 26 - self.pps.init_qp_minus26,
                         st_ref_pic_set=explicit_st_rps([], [], [], []),
                         slice_sao_luma_flag=sao_on, slice_sao_chroma_flag=sao_on,
                         slice_loop_filter_across_slices_enabled_flag=self.pps.pps_loop_filter_across_slices_enabled_flag)
        nals = self.filter_and_write(org, rec, coef, meta, prm, ep, SLICE_I, 0, sh, nal_unit_type)
        return nals, Frame(*rec)


    def encode_plan(self, frame, plan, dpb):
        """Code one picture of a GOP structure (gop.PicturePlan) with the reference pictures in
        ``dpb`` (HM POC -> RefPicture).  Returns (NAL bytes list, RefPicture of this picture)."""
        sps, pps, cfg = self.sps, self.pps, self.cfg
        org = tuple(pad_frame(frame, self.cw, self.ch, np.int16))
        rec = tuple(new_frame(self.cw, self.ch, np.int16))
        coef = tuple(new_frame(self.cw, self.ch, np.int32))
        meta = new_meta(self.cw, self.ch)
        st = plan.slice_type
        qp = plan.qp
        cbo, cro = (plan.cb_qp_offset, plan.cr_qp_offset) if pps.pps_slice_chroma_qp_offsets_present_flag else (0, 0)
        lp = lambda_params(qp, plan.lam, pps.pps_cb_qp_offset + cbo, pps.pps_cr_qp_offset + cro)
        ep = self.encoder_params(qp)
        ep[E_LAMBDA], ep[E_SQRT_LAMBDA], ep[E_W_CB], ep[E_W_CR] = lp["lambda"], lp["sqrt_lambda"], lp["w_cb"], lp["w_cr"]
        sao_on = int(sps.sample_adaptive_offset_enabled_flag)
        sh = plan.slice_header(sps, pps)
        sh.slice_sao_luma_flag = sh.slice_sao_chroma_flag = sao_on
        sh.slice_loop_filter_across_slices_enabled_flag = pps.pps_loop_filter_across_slices_enabled_flag
        sh.five_minus_max_num_merge_cand = 5 - cfg.MaxNumMergeCand
        prm = make_params(sps, pps, st, qp, cbo, cro, sh=sh)
        base = plan.last_idr
        ref_pocs = [list(plan.ref_pocs[0]), list(plan.ref_pocs[1]) if st == SLICE_B else []]
        ref_slot = np.zeros((2, 16), np.int32)
        ref_ids = np.zeros((2, 16), np.int32)
        for X in range(2):
            for i, p in enumerate(ref_pocs[X]):
                ref_slot[X, i] = dpb[p].slot
                ref_ids[X, i] = p + 1
        self.refs.fractional(ref_slot[X, i] for X in range(2) for i in range(len(ref_pocs[X])))
        l1_to_l0 = np.full(16, -1, np.int32)
        for i, p in enumerate(ref_pocs[1]):
            if p in ref_pocs[0]:
                l1_to_l0[i] = ref_pocs[0].index(p)
        init_type = 0
        col_meta = meta
        sp = np.zeros(144, np.int32)
        if st != SLICE_I:
            init_type = 1 if st == 1 else 2
            col_list = 0 if (st == 1 or sh.collocated_from_l0_flag) else 1
            col = dpb[ref_pocs[col_list][sh.collocated_ref_idx]]
            col_meta = col.meta
            n = (len(ref_pocs[0]), len(ref_pocs[1]))
            sp = make_mv_params(plan.pic_order_cnt_val, st, [[p - base for p in ref_pocs[0]], [p - base for p in ref_pocs[1]]],
                                [[0] * n[0], [0] * n[1]], n, cfg.MaxNumMergeCand, pps.Log2ParMrgLevel,
                                sh.slice_temporal_mvp_enabled_flag, sh.collocated_from_l0_flag,
                                self.cw, self.ch, int(prm[2]), col.poc - base,
                                [[p - base for p in col.ref_pocs[0]], [p - base for p in col.ref_pocs[1]]],
                                [[0] * len(col.ref_pocs[0]), [0] * len(col.ref_pocs[1])])
        num_ref = np.array([len(ref_pocs[0]), len(ref_pocs[1])], np.int32)
        ip = inter_options(cfg, plan.lam)
        ip[IP_MVD_L1_ZERO] = sh.mvd_l1_zero_flag if st == SLICE_B else 0
        inter = make_inter_context(self.refs.arrays(), ref_slot, num_ref, l1_to_l0, col_meta, sp, ip)
        self.decider.decide(org, rec, coef, meta, prm, ep, init_contexts(init_type, qp), inter)
        nals = self.filter_and_write(org, rec, coef, meta, prm, ep, st, init_type, sh, plan.nal_unit_type, ref_ids)
        return nals, RefPicture(plan.poc, rec, meta, ref_pocs)


class RefPicture:
    """A reconstructed (loop-filtered) picture kept for reference: planes, metadata (for TMVP),
    its HM POC and reference POC lists, and its slot in the encoder's RefStore."""

    def __init__(self, poc, planes, meta, ref_pocs):
        self.poc, self.planes, self.meta, self.ref_pocs = poc, planes, meta, ref_pocs
        self.slot = -1


class RefStore:
    """The motion search's reference pictures in slot arrays (Y, Cb, Cr and the 16 fractional
    luma planes of each slot) that the inter context indexes directly: a picture's planes go
    in once, when it becomes a reference, and its fractional planes are made on first use, on
    ``threads`` threads.  (Stacking each picture's reference lists anew copied every
    reference's fractional planes: 0.6 s per 1280x720 picture with four references.)"""

    def __init__(self, capacity, cw, ch, threads=1):
        self.y = np.empty((capacity, ch, cw), np.int16)
        self.cb = np.empty((capacity, ch >> 1, cw >> 1), np.int16)
        self.cr = np.empty((capacity, ch >> 1, cw >> 1), np.int16)
        self.fp = np.empty((capacity, 16, ch + 2 * PAD, cw + 2 * PAD), np.int16)
        self.has_fp = [False] * capacity
        self.free = list(range(capacity - 1, -1, -1))
        self.threads = max(1, min(16, threads))
        self.pool = ThreadPoolExecutor(self.threads) if self.threads > 1 else None

    def close(self):
        if self.pool is not None:
            self.pool.shutdown()

    def add(self, planes):
        slot = self.free.pop()
        self.y[slot], self.cb[slot], self.cr[slot] = planes
        self.has_fp[slot] = False
        return slot

    def release(self, slot):
        self.free.append(slot)

    def fractional(self, slots):
        """Make the fractional planes of those slots that lack them."""
        todo = [s for s in dict.fromkeys(slots) if not self.has_fp[s]]
        n = self.threads
        parts = [(s, 16 * i // n, 16 * (i + 1) // n) for s in todo for i in range(n)]
        fill = lambda part: make_fractional_planes(self.y[part[0]], PAD, self.fp[part[0]], part[1], part[2])
        list(self.pool.map(fill, parts) if self.pool and len(parts) > 1 else map(fill, parts))
        for s in todo:
            self.has_fp[s] = True

    def arrays(self):
        return self.y, self.cb, self.cr, self.fp


def encode_structure(cfg, reader, count, bitstream_path, recon_path, log, extra_stages=None):
    """Pictures of a GOP structure (gop.CodingStructure: HM's coding order, QPs, lambdas,
    RPS and reference lists), one after another; the reconstruction file in display order.
    extra_stages: see PictureEncoder.extra_stages."""
    cs = CodingStructure(cfg, count)
    enc = PictureEncoder(cfg, cs, threads=cfg.Threads or os.cpu_count() or 1)
    enc.extra_stages = extra_stages
    last_use = {}
    for k, plan in enumerate(cs):
        for lst in plan.ref_pocs:
            for p in lst:
                last_use[p] = k
    live, capacity = set(), 1                   # the most pictures kept for reference at once
    for k, plan in enumerate(cs):
        live = {p for p in live if last_use[p] > k} | ({plan.poc} if last_use.get(plan.poc, -1) > k else set())
        capacity = max(capacity, len(live))
    enc.refs = RefStore(capacity, enc.cw, enc.ch, enc.decider.threads)
    dpb, pending_out = {}, {}
    pictures, mses = [], []
    next_out = 0
    t_start = time.perf_counter()
    with open(bitstream_path, "wb") as out, \
            (YuvWriter(recon_path, cfg.SourceWidth, cfg.SourceHeight) if recon_path else _Null()) as rec_out, \
            closing(enc.decider), closing(enc.refs):
        for k, plan in enumerate(cs):
            t0 = time.perf_counter()
            frame = reader.read(cfg.FrameSkip + plan.poc)
            nals = enc.parameter_set_nals() if (k == 0 or plan.is_irap) else []
            pic_nals, ref = enc.encode_plan(frame, plan, dpb)
            deep = enc.deep_stats()
            data = b"".join(nals + pic_nals)
            seconds = time.perf_counter() - t0
            out.write(data)
            for p in [p for p in dpb if last_use.get(p, -1) <= k]:
                enc.refs.release(dpb.pop(p).slot)
            if last_use.get(plan.poc, -1) > k:
                ref.slot = enc.refs.add(ref.planes)
                dpb[plan.poc] = ref
            recf = Frame(*ref.planes)
            pending_out[plan.poc] = recf
            while next_out in pending_out:
                rec_out.write(pending_out.pop(next_out))
                next_out += 1
            m = [mse(o, r) for o, r in zip(frame, crop_frame(recf, cfg.SourceWidth, cfg.SourceHeight))]
            mses.append(m)
            t = "BPI"[plan.slice_type]
            pic = {"poc": plan.poc, "type": t, "qp": plan.qp, "bits": len(data) * 8,
                   "psnr_y": psnr_from_mse(m[0]), "psnr_u": psnr_from_mse(m[1]), "psnr_v": psnr_from_mse(m[2]),
                   "time_s": seconds, **deep}
            pictures.append(pic)
            if cfg.Verbose:
                log(f"POC {plan.poc:4d} TId: {plan.temporal_id} ( {t}-SLICE, nQP {plan.qp} QP {plan.qp} ) "
                    f"{pic['bits']:10d} bits [Y {pic['psnr_y']:.4f} dB    U {pic['psnr_u']:.4f} dB    "
                    f"V {pic['psnr_v']:.4f} dB] [ET {pic['time_s']:6.2f} ] [L0 {' '.join(map(str, plan.ref_pocs[0]))} ] "
                    f"[L1 {' '.join(map(str, plan.ref_pocs[1]))} ]" + _deep_text(deep))
    return summarise(cfg, pictures, mses, time.perf_counter() - t_start, log)


def _deep_text(deep):
    c = deep.get("cnnlf")
    return (f" [CNNLF Y {c['on_y']}/{c['ctbs']} Cb {c['on_cb']} Cr {c['on_cr']}{' all' if c['all_ctbs'] else ''}]"
            if c else "")


def nal_type_for(cfg, index):
    """IDR for the first picture; later intra pictures by DecodingRefreshType (HM's choice)."""
    if index == 0 or cfg.DecodingRefreshType == 2:
        return IDR_W_RADL
    return CRA_NUT if cfg.DecodingRefreshType == 1 else TRAIL_R


def encode(cfg, bitstream_path, recon_path=None, log=print):
    """Encode cfg.InputFile; write the stream (and the reconstruction). Returns the stats dict.

    Intra pictures do not depend on each other, so up to ``Threads`` of them are coded at
    once, their CTUs decided by one shared pool of ``Threads`` workers (the compiled code
    releases the GIL); output stays in coding order."""
    reader = VideoReader(cfg.InputFile, cfg.SourceWidth, cfg.SourceHeight, cfg.FrameRate)
    with reader:
        if reader.kind == "y4m":
            cfg.SourceWidth, cfg.SourceHeight = reader.width, reader.height
            cfg.FrameRate = cfg.FrameRate or reader.fps
        count = reader.check_range(cfg.FrameSkip, cfg.FramesToBeEncoded)
        if gop_entries_from_cfg(cfg):
            return encode_structure(cfg, reader, count, bitstream_path, recon_path, log)
        threads = min(cfg.Threads or os.cpu_count() or 1, count)
        idle = queue.SimpleQueue()
        decider = CtuDecider(threads)
        for _ in range(threads):
            idle.put(PictureEncoder(cfg, decider=decider))
        qp = max(0, min(51, cfg.QP + cfg.IntraQPOffset))

        def code(i, frame):
            enc = idle.get()
            try:
                t0 = time.perf_counter()
                nut = nal_type_for(cfg, i)
                nals = enc.parameter_set_nals() if (i == 0 or nut != TRAIL_R) else []
                pic_nals, rec = enc.encode(frame, i, nut, qp)
                return b"".join(nals + pic_nals), rec, time.perf_counter() - t0, enc.deep_stats()
            finally:
                idle.put(enc)

        pictures, mses = [], []
        t_start = time.perf_counter()
        with open(bitstream_path, "wb") as out, \
                (YuvWriter(recon_path, cfg.SourceWidth, cfg.SourceHeight) if recon_path else _Null()) as rec_out, \
                closing(decider), ThreadPoolExecutor(threads) as pool:
            frames = enumerate(reader.frames(cfg.FrameSkip, count))
            pending = deque(pool.submit(code, i, f) for i, f in islice(frames, 2 * threads))
            while pending:
                data, rec, seconds, deep = pending.popleft().result()
                i = len(pictures)
                frame = reader.read(cfg.FrameSkip + i)
                nxt = next(frames, None)
                if nxt is not None:
                    pending.append(pool.submit(code, *nxt))
                out.write(data)
                rec_out.write(rec)
                m = [mse(o, r) for o, r in zip(frame, crop_frame(rec, cfg.SourceWidth, cfg.SourceHeight))]
                mses.append(m)
                pic = {"poc": i, "type": "I", "qp": qp, "bits": len(data) * 8,
                       "psnr_y": psnr_from_mse(m[0]), "psnr_u": psnr_from_mse(m[1]), "psnr_v": psnr_from_mse(m[2]),
                       "time_s": seconds, **deep}
                pictures.append(pic)
                if cfg.Verbose:
                    log(f"POC {i:4d} TId: 0 ( I-SLICE, nQP {qp} QP {qp} ) {pic['bits']:10d} bits "
                        f"[Y {pic['psnr_y']:.4f} dB    U {pic['psnr_u']:.4f} dB    V {pic['psnr_v']:.4f} dB] "
                        f"[ET {pic['time_s']:6.2f} ]" + _deep_text(deep))
    return summarise(cfg, pictures, mses, time.perf_counter() - t_start, log)


def summarise(cfg, pictures, mses, seconds, log=print):
    """HM-style summary: PSNRs are the mean of per-picture PSNRs; YUV-PSNR from mean MSEs (4:1:1)."""
    n = len(pictures)
    bits = sum(p["bits"] for p in pictures)
    fps = cfg.FrameRate or 1.0
    mean_mse = np.mean(np.array(mses), axis=0)
    stats = {"frames": n, "bits": bits, "bitrate_kbps": bits * fps / n / 1000.0,
             "psnr_y": float(np.mean([p["psnr_y"] for p in pictures])),
             "psnr_u": float(np.mean([p["psnr_u"] for p in pictures])),
             "psnr_v": float(np.mean([p["psnr_v"] for p in pictures])),
             "psnr_yuv": yuv_psnr(*mean_mse), "encode_s": seconds, "pictures": pictures}
    if cfg.Verbose:
        log("\nSUMMARY --------------------------------------------------------")
        log("\tTotal Frames |   Bitrate     Y-PSNR    U-PSNR    V-PSNR    YUV-PSNR ")
        log(f"\t{n:6d}    a    {stats['bitrate_kbps']:10.4f}   {stats['psnr_y']:7.4f}   {stats['psnr_u']:7.4f}   "
            f"{stats['psnr_v']:7.4f}   {stats['psnr_yuv']:7.4f}")
        log("(PSNR: mean of per-frame PSNRs; YUV-PSNR: from the mean MSEs weighted Y:U:V = 4:1:1, as HM)")
        log(f"\n Total Time: {seconds:12.3f} sec. [{n / seconds:.3f} fps]")
    if cfg.StatsFile:
        with open(cfg.StatsFile, "w") as f:
            json.dump(stats, f, indent=1)
    return stats


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write(self, frame):
        pass
