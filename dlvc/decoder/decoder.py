"""dlvc-dec's driver: Annex-B NAL units in, decoded pictures out.

Parses parameter sets and slice headers (``core/syntax``), runs the compiled
slice decoder, checks each picture against its decoded picture hash SEI and
hands pictures out in output order, cropped to the conformance window.
Never imports the encoder.
"""
import numpy as np

from ..core.bitstream import (
    BitstreamError, PPS_NUT, PREFIX_SEI_NUT, SPS_NUT, SUFFIX_SEI_NUT, VPS_NUT, is_vcl, split_annexb,
)
from ..core.cabac import decoder_init, init_contexts, new_reader
from ..core.params import SLICE_I, make_params
from ..core.picture import new_meta
from ..core.recon import new_work
from ..core.syntax.pps import parse_pps
from ..core.syntax.sei import SEI_DECODED_PICTURE_HASH, compute_picture_hash, parse_decoded_picture_hash, parse_sei_messages
from ..core.syntax.slice_header import parse_slice_header, peek_slice_pps_id
from ..core.syntax.sps import parse_sps
from ..errors import DlvcError
from ..io import Frame, new_frame
from .slice_decoder import ERR_EARLY_END, ERR_NO_END, ERR_OVERRUN, OK, decode_slice_data

SLICE_ERRORS = {ERR_OVERRUN: "slice data ends early (truncated or corrupt stream)",
                ERR_EARLY_END: "picture ends before its last CTU (several slices per picture are not supported)",
                ERR_NO_END: "no end of slice after the last CTU (corrupt stream)"}


class Picture:
    def __init__(self, poc, planes, sps):
        self.poc = poc
        self.planes = planes
        self.sps = sps
        self.hash_checked = False

    def cropped(self):
        s = self.sps
        x0, x1 = 2 * s.conf_win_left_offset, s.pic_width_in_luma_samples - 2 * s.conf_win_right_offset
        y0, y1 = 2 * s.conf_win_top_offset, s.pic_height_in_luma_samples - 2 * s.conf_win_bottom_offset
        y, u, v = self.planes
        return Frame(y[y0:y1, x0:x1], u[y0 // 2:y1 // 2, x0 // 2:x1 // 2], v[y0 // 2:y1 // 2, x0 // 2:x1 // 2])


def check_supported(sps, pps):
    """dlvc-dec decodes Main-profile intra streams; say clearly what it cannot decode yet."""
    problems = []
    if sps.chroma_format_idc != 1 or sps.bit_depth_luma_minus8 or sps.bit_depth_chroma_minus8:
        problems.append("only 8-bit 4:2:0 is supported")
    if sps.scaling_list_enabled_flag:
        problems.append("scaling lists")
    if sps.pcm_enabled_flag:
        problems.append("PCM")
    if sps.sample_adaptive_offset_enabled_flag:
        problems.append("SAO")
    if pps.tiles_enabled_flag or pps.entropy_coding_sync_enabled_flag:
        problems.append("tiles / wavefronts")
    if pps.cu_qp_delta_enabled_flag:
        problems.append("cu_qp_delta")
    if pps.transquant_bypass_enabled_flag:
        problems.append("transquant bypass")
    if pps.constrained_intra_pred_flag:
        problems.append("constrained intra prediction")
    if not pps.pps_deblocking_filter_disabled_flag and not pps.deblocking_filter_override_enabled_flag:
        problems.append("the deblocking filter")
    if problems:
        raise DlvcError("stream uses features dlvc-dec does not support yet: " + ", ".join(problems))


class Decoder:
    """Feed it a whole Annex-B stream; it yields decoded pictures in output order."""

    def __init__(self, check_hash=True):
        self.check_hash = check_hash
        self.sps = {}
        self.pps = {}
        self.current = None
        self.pictures_decoded = 0

    def decode(self, stream):
        try:
            nals = split_annexb(stream)
        except BitstreamError as e:
            raise DlvcError(f"not an HEVC Annex-B stream: {e}") from None
        if not nals:
            raise DlvcError("no NAL units found: not an HEVC Annex-B stream")
        for nal in nals:
            try:
                pic = self.decode_nal(nal)
            except BitstreamError as e:
                raise DlvcError(f"corrupt {nal.name} NAL unit: {e}") from None
            if pic is not None:
                yield pic
        if self.current is not None:
            yield self.finish_picture()

    def decode_nal(self, nal):
        t = nal.nal_unit_type
        out = None
        if t == VPS_NUT:
            return None
        if t == SPS_NUT:
            sps = parse_sps(nal.rbsp)
            self.sps[sps.sps_seq_parameter_set_id] = sps
        elif t == PPS_NUT:
            pps = parse_pps(nal.rbsp)
            self.pps[pps.pps_pic_parameter_set_id] = pps
        elif is_vcl(t):
            out = self.decode_slice(nal)
        elif t in (PREFIX_SEI_NUT, SUFFIX_SEI_NUT):
            for payload_type, payload in parse_sei_messages(nal.rbsp):
                if payload_type == SEI_DECODED_PICTURE_HASH and t == SUFFIX_SEI_NUT:
                    self.check_picture_hash(payload)
        return out

    def decode_slice(self, nal):
        _, pps_id = peek_slice_pps_id(nal.rbsp, nal.nal_unit_type)
        if pps_id not in self.pps:
            raise DlvcError(f"slice refers to PPS {pps_id}, which the stream has not sent")
        pps = self.pps[pps_id]
        if pps.pps_seq_parameter_set_id not in self.sps:
            raise DlvcError(f"PPS {pps_id} refers to SPS {pps.pps_seq_parameter_set_id}, which the stream has not sent")
        sps = self.sps[pps.pps_seq_parameter_set_id]
        check_supported(sps, pps)
        sh, offset = parse_slice_header(nal.rbsp, sps, pps, nal.nal_unit_type)
        if not sh.first_slice_segment_in_pic_flag:
            raise DlvcError("several slices per picture are not supported yet")
        if sh.slice_type != SLICE_I:
            raise DlvcError("P and B slices are not supported yet")
        out = self.finish_picture() if self.current is not None else None
        qp = 26 + pps.init_qp_minus26 + sh.slice_qp_delta
        w, h = sps.pic_width_in_luma_samples, sps.pic_height_in_luma_samples
        planes = tuple(new_frame(w, h, np.int16))
        coef = tuple(new_frame(w, h, np.int32))
        meta = new_meta(w, h)
        prm = make_params(sps, pps, sh.slice_type, qp, sh.slice_cb_qp_offset, sh.slice_cr_qp_offset)
        data = np.frombuffer(nal.rbsp, np.uint8)
        d = new_reader()
        decoder_init(d, data, offset)
        ctx = init_contexts(0, qp)
        pred, work = new_work()
        err = decode_slice_data(d, data, ctx, meta, coef, prm, planes, pred, work, np.zeros(3, np.int64))
        if err != OK:
            raise DlvcError(f"picture {self.pictures_decoded}: {SLICE_ERRORS[err]}")
        self.current = Picture(sh.slice_pic_order_cnt_lsb, planes, sps)
        return out

    def check_picture_hash(self, payload):
        if not self.check_hash or self.current is None:
            return
        h = parse_decoded_picture_hash(payload)
        if h.values != compute_picture_hash(self.current.planes, h.hash_type).values:
            raise DlvcError(f"picture {self.pictures_decoded}: decoded picture hash mismatch "
                            f"({('MD5', 'CRC', 'checksum')[h.hash_type]})")
        self.current.hash_checked = True

    def finish_picture(self):
        pic = self.current
        self.current = None
        self.pictures_decoded += 1
        return pic
