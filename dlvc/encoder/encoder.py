"""The hybrid encoder's picture loop: frames in, HEVC Annex-B NAL units out.

Per picture: slice parameters (QP, lambda) -> compiled CTU decisions and CABAC
coding (``slice_encoder``) -> NAL units with the decoded picture hash.  Reports a
line per picture and a summary like HM's TAppEncoder.
"""
import json
import time

import numpy as np

from ..core.bitstream import CRA_NUT, IDR_W_RADL, PPS_NUT, SPS_NUT, SUFFIX_SEI_NUT, TRAIL_R, VPS_NUT, nal_unit
from ..core.cabac import init_contexts, new_writer
from ..core.params import SLICE_I, make_params
from ..core.picture import new_meta
from ..core.syntax.pps import write_pps
from ..core.syntax.sei import picture_md5, write_decoded_picture_hash_sei
from ..core.syntax.slice_header import SliceHeader, write_slice_header
from ..core.syntax.st_rps import explicit_st_rps
from ..core.syntax.sps import write_sps
from ..core.syntax.vps import write_vps
from ..io import Frame, VideoReader, YuvWriter, coded_size, crop_frame, new_frame, pad_frame
from ..metrics import mse, psnr_from_mse, yuv_psnr
from .intra_search import (
    E_FAST_MPM, E_LAMBDA, E_RDOQ, E_RDOQ_TS, E_SQRT_LAMBDA, E_W_CB, E_W_CR, NUM_EPARAMS, NUM_SLOTS,
    new_workspace,
)
from .lambdas import lambda_params, hm_lambda
from .parameter_sets import build_parameter_sets
from .slice_encoder import encode_slice_data
from .snapshot import new_snapshots


class PictureEncoder:
    """Encodes pictures of one size and configuration; keeps its scratch buffers."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.vps, self.sps, self.pps = build_parameter_sets(cfg)
        self.width, self.height = cfg.SourceWidth, cfg.SourceHeight
        self.cw, self.ch = coded_size(self.width, self.height, 8)
        self.wk = new_workspace()
        self.snaps = new_snapshots(NUM_SLOTS)
        self.cand = np.zeros(3, np.int64)
        # a picture's CABAC output is bounded by the raw data plus CABAC's overhead
        self.capacity = self.cw * self.ch * 4 + 4096

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
        return ep

    def encode(self, frame, poc, nal_unit_type, qp):
        """Code one frame as an intra picture. Returns (list of NAL bytes, reconstructed Frame)."""
        org = tuple(pad_frame(frame, self.cw, self.ch, np.int16))
        rec = tuple(new_frame(self.cw, self.ch, np.int16))
        coef = tuple(new_frame(self.cw, self.ch, np.int32))
        meta = new_meta(self.cw, self.ch)
        prm = make_params(self.sps, self.pps, SLICE_I, qp)
        ctx = init_contexts(0, qp)
        w, buf = new_writer(self.capacity)
        we, bufe = new_writer(16, estimate=True)
        nbytes = encode_slice_data(org, rec, coef, meta, prm, self.encoder_params(qp), ctx, w, buf, we,
                                   bufe, self.wk, self.snaps, self.cand)
        sh = SliceHeader(first_slice_segment_in_pic_flag=1, slice_type=SLICE_I,
                         slice_pic_order_cnt_lsb=poc % (1 << (self.sps.log2_max_pic_order_cnt_lsb_minus4 + 4)),
                         slice_qp_delta=qp - 26 - self.pps.init_qp_minus26,
                         st_ref_pic_set=explicit_st_rps([], [], [], []))
        header = write_slice_header(sh, self.sps, self.pps, nal_unit_type)
        nals = [nal_unit(nal_unit_type, header + bytes(buf[:nbytes]))]
        if self.cfg.SEIDecodedPictureHash:
            nals.append(nal_unit(SUFFIX_SEI_NUT, write_decoded_picture_hash_sei(picture_md5(rec))))
        return nals, Frame(*rec)


def nal_type_for(cfg, index):
    """IDR for the first picture; later intra pictures by DecodingRefreshType (HM's choice)."""
    if index == 0 or cfg.DecodingRefreshType == 2:
        return IDR_W_RADL
    return CRA_NUT if cfg.DecodingRefreshType == 1 else TRAIL_R


def encode(cfg, bitstream_path, recon_path=None, log=print):
    """Encode cfg.InputFile; write the stream (and the reconstruction). Returns the stats dict."""
    reader = VideoReader(cfg.InputFile, cfg.SourceWidth, cfg.SourceHeight, cfg.FrameRate)
    with reader:
        if reader.kind == "y4m":
            cfg.SourceWidth, cfg.SourceHeight = reader.width, reader.height
            cfg.FrameRate = cfg.FrameRate or reader.fps
        count = reader.check_range(cfg.FrameSkip, cfg.FramesToBeEncoded)
        enc = PictureEncoder(cfg)
        qp = max(0, min(51, cfg.QP + cfg.IntraQPOffset))
        pictures, mses = [], []
        t_start = time.perf_counter()
        with open(bitstream_path, "wb") as out, \
                (YuvWriter(recon_path, cfg.SourceWidth, cfg.SourceHeight) if recon_path else _Null()) as rec_out:
            for i, frame in enumerate(reader.frames(cfg.FrameSkip, count)):
                t0 = time.perf_counter()
                nut = nal_type_for(cfg, i)
                nals = enc.parameter_set_nals() if (i == 0 or nut != TRAIL_R) else []
                pic_nals, rec = enc.encode(frame, i, nut, qp)
                nals += pic_nals
                data = b"".join(nals)
                out.write(data)
                rec_out.write(rec)
                m = [mse(o, r) for o, r in zip(frame, crop_frame(rec, cfg.SourceWidth, cfg.SourceHeight))]
                mses.append(m)
                pic = {"poc": i, "type": "I", "qp": qp, "bits": len(data) * 8,
                       "psnr_y": psnr_from_mse(m[0]), "psnr_u": psnr_from_mse(m[1]), "psnr_v": psnr_from_mse(m[2]),
                       "time_s": time.perf_counter() - t0}
                pictures.append(pic)
                if cfg.Verbose:
                    log(f"POC {i:4d} TId: 0 ( I-SLICE, nQP {qp} QP {qp} ) {pic['bits']:10d} bits "
                        f"[Y {pic['psnr_y']:.4f} dB    U {pic['psnr_u']:.4f} dB    V {pic['psnr_v']:.4f} dB] "
                        f"[ET {pic['time_s']:6.2f} ]")
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
