"""dlvc-dec's driver: Annex-B NAL units in, decoded pictures out.

Parses parameter sets and slice headers (``core/syntax``), keeps the decoded picture
buffer (``core/dpb``: POC, RPS, reference lists, output order), runs the compiled slice
decoder, checks each picture against its decoded picture hash SEI and hands pictures out
in output order, cropped to the conformance window.  Never imports the encoder.
"""
import numpy as np

from ..core.bitstream import (
    BitstreamError, EOS_NUT, PPS_NUT, PREFIX_SEI_NUT, SPS_NUT, SUFFIX_SEI_NUT, is_vcl,
    split_annexb,
)
from ..core.cabac import decoder_init, init_contexts, init_type_for, new_reader
from ..core.ctu_syntax import new_cu_state
from ..core.dpb import Dpb
from ..core.loopfilter import LF_SAO_CHROMA, LF_SAO_LUMA, apply_loop_filters, make_lf_params
from ..core.params import make_params
from ..core.picture import new_meta
from ..core.recon import new_work, slice_inter_inputs
from ..core.sao import new_sao_params
from ..core.syntax.pps import parse_pps
from ..core.syntax.sei import SEI_DECODED_PICTURE_HASH, compute_picture_hash, parse_decoded_picture_hash, parse_sei_messages
from ..core.syntax.slice_header import parse_slice_header, peek_slice_pps_id
from ..core.syntax.sps import parse_sps
from ..core.syntax.tools_ext import cnnlf_slice_flags, sps_tool_records
from ..core.tool_syntax import new_cnnlf_flags
from ..errors import DlvcError
from ..io import Frame, new_frame
from .slice_decoder import ERR_EARLY_END, ERR_NO_END, ERR_NO_SUBSET_END, ERR_OVERRUN, OK, decode_slice_data

SLICE_ERRORS = {ERR_OVERRUN: "slice data ends early (truncated or corrupt stream)",
                ERR_EARLY_END: "picture ends before its last CTU (several slices per picture are not supported)",
                ERR_NO_END: "no end of slice after the last CTU (corrupt stream)",
                ERR_NO_SUBSET_END: "no end_of_subset_one_bit after a CTU row (corrupt stream)"}


class Picture:
    def __init__(self, poc, planes, sps, hash_checked=False):
        self.poc = poc
        self.planes = planes
        self.sps = sps
        self.hash_checked = hash_checked

    def cropped(self):
        s = self.sps
        x0, x1 = 2 * s.conf_win_left_offset, s.pic_width_in_luma_samples - 2 * s.conf_win_right_offset
        y0, y1 = 2 * s.conf_win_top_offset, s.pic_height_in_luma_samples - 2 * s.conf_win_bottom_offset
        y, u, v = self.planes
        return Frame(y[y0:y1, x0:x1], u[y0 // 2:y1 // 2, x0 // 2:x1 // 2], v[y0 // 2:y1 // 2, x0 // 2:x1 // 2])


def check_supported(sps, pps):
    """dlvc-dec decodes Main-profile streams; say clearly what it cannot decode yet."""
    problems = []
    if sps.chroma_format_idc != 1 or sps.bit_depth_luma_minus8 or sps.bit_depth_chroma_minus8:
        problems.append("only 8-bit 4:2:0 is supported")
    if sps.scaling_list_enabled_flag:
        problems.append("scaling lists")
    if sps.pcm_enabled_flag:
        problems.append("PCM")
    if pps.tiles_enabled_flag:
        problems.append("tiles")
    if pps.transquant_bypass_enabled_flag:
        problems.append("transquant bypass")
    if pps.constrained_intra_pred_flag:
        problems.append("constrained intra prediction")
    if problems:
        raise DlvcError("stream uses features dlvc-dec does not support yet: " + ", ".join(problems))


class Decoder:
    """Feed it a whole Annex-B stream; it yields decoded pictures in output order."""

    def __init__(self, check_hash=True, cnnlf_weights="", cnnlf_threads=1):
        self.check_hash = check_hash
        self.cnnlf_weights, self.cnnlf_threads = cnnlf_weights, cnnlf_threads
        self.tools = {}              # id(SPS) -> {tool id: (loaded tool, its parameters)}
        self.sps = {}
        self.pps = {}
        self.dpb = Dpb()
        self.current = None          # the DpbPicture decoded last, until the next one starts
        self.skipping = False        # the slices of a picture the DPB skipped (RASL)
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
                out = self.decode_nal(nal)
            except BitstreamError as e:
                raise DlvcError(f"corrupt {nal.name} NAL unit: {e}") from None
            yield from out
        yield from self.finish_picture()
        yield from self.output(self.dpb.flush())

    def output(self, pics):
        return [Picture(p.poc, p.planes, p.sps, p.hash_checked) for p in pics]

    def decode_nal(self, nal):
        t = nal.nal_unit_type
        if t == SPS_NUT:
            sps = parse_sps(nal.rbsp)
            self.sps[sps.sps_seq_parameter_set_id] = sps
        elif t == PPS_NUT:
            pps = parse_pps(nal.rbsp)
            self.pps[pps.pps_pic_parameter_set_id] = pps
        elif is_vcl(t):
            return self.decode_slice(nal)
        elif t in (PREFIX_SEI_NUT, SUFFIX_SEI_NUT):
            for payload_type, payload in parse_sei_messages(nal.rbsp):
                if payload_type == SEI_DECODED_PICTURE_HASH and t == SUFFIX_SEI_NUT:
                    self.check_picture_hash(payload)
        elif t == EOS_NUT:
            out = self.finish_picture()
            self.dpb.end_of_sequence()
            return out + self.output(self.dpb.output_ready())
        return []

    def decode_slice(self, nal):
        _, pps_id = peek_slice_pps_id(nal.rbsp, nal.nal_unit_type)
        if pps_id not in self.pps:
            raise DlvcError(f"slice refers to PPS {pps_id}, which the stream has not sent")
        pps = self.pps[pps_id]
        if pps.pps_seq_parameter_set_id not in self.sps:
            raise DlvcError(f"PPS {pps_id} refers to SPS {pps.pps_seq_parameter_set_id}, which the stream has not sent")
        sps = self.sps[pps.pps_seq_parameter_set_id]
        check_supported(sps, pps)
        tools = self.sps_tools(sps)
        sh, offset = parse_slice_header(nal.rbsp, sps, pps, nal.nal_unit_type)
        if not sh.first_slice_segment_in_pic_flag:
            if self.skipping:
                return []
            raise DlvcError("several slices per picture are not supported yet")
        out = self.finish_picture()
        r = self.dpb.start_picture(sps, pps, sh, nal.nal_unit_type, nal.temporal_id)
        out += self.output(self.dpb.output_ready())
        self.skipping = r is None
        if r is None:
            return out
        pic, L0, L1 = r
        pic.sps = sps
        pic.hash_checked = False
        qp = sh.SliceQpY(pps)
        w, h = sps.pic_width_in_luma_samples, sps.pic_height_in_luma_samples
        planes = tuple(new_frame(w, h, np.int16))
        coef = tuple(new_frame(w, h, np.int32))
        meta = new_meta(w, h)
        pic.planes, pic.meta = planes, meta
        self.current = pic
        prm = make_params(sps, pps, sh.slice_type, qp, sh.slice_cb_qp_offset, sh.slice_cr_qp_offset, sh)
        try:
            refs, ref_slot, col_meta, sp, wp, wp_den, explicit = slice_inter_inputs(sps, pps, sh, pic, L0, L1, meta)
        except ValueError as e:
            raise DlvcError(f"picture POC {pic.poc}: {e}") from None
        data = np.frombuffer(nal.rbsp, np.uint8)
        d = new_reader()
        decoder_init(d, data, offset)
        ctx = init_contexts(init_type_for(sh.slice_type, sh.cabac_init_flag), qp)
        pred, work = new_work()
        lf = make_lf_params(sps, pps, sh)
        sao = new_sao_params(sps.PicHeightInCtbsY, sps.PicWidthInCtbsY)
        cnn_flags = new_cnnlf_flags(sps.PicHeightInCtbsY, sps.PicWidthInCtbsY)
        cnn_on = np.zeros(3, np.int32)
        deep = []
        if 1 in tools:                                   # dlvc tool 1: CNN in-loop filter
            cnn_on, qp_offset_idx, set_idx = cnnlf_slice_flags(sh, pps)
            flt, slot = tools[1]
            from ..tools.cnnlf.codec import DecoderStage
            deep.append(DecoderStage(flt, slot, cnn_flags, qp, qp_offset_idx, sh.slice_type == 2,
                                     sps.CtbLog2SizeY, set_idx))
        err = decode_slice_data(d, data, ctx, meta, coef, prm, planes, pred, work, new_cu_state(qp),
                                sao, lf[0, LF_SAO_LUMA], lf[0, LF_SAO_CHROMA],
                                col_meta, sp, refs, ref_slot, wp, wp_den, explicit, cnn_flags, cnn_on)
        if err != OK:
            raise DlvcError(f"picture {self.pictures_decoded} (POC {pic.poc}): {SLICE_ERRORS[err]}")
        apply_loop_filters(planes, meta, prm, lf, sao, ref_pic_ids=ref_slot, deep=deep)
        return out

    def sps_tools(self, sps):
        """The dlvc tools an SPS switches on, loaded ({tool id: tool}); DlvcError for a tool
        or weights this decoder does not hold."""
        key = id(sps)
        if key not in self.tools:
            from ..tools import REGISTRY
            tools = {}
            for rec in sps_tool_records(sps):
                spec = REGISTRY.get(rec.tool_id)
                if spec is None or not spec.normative:
                    raise DlvcError(f"the stream uses dlvc tool {rec.tool_id}, which this dlvc-dec does not know")
                if rec.tool_id == 1:
                    tools[1] = spec.load().decoder_filter(rec, self.cnnlf_weights, self.cnnlf_threads)
            self.tools = {key: tools}                    # one SPS at a time in practice
        return self.tools[key]

    def check_picture_hash(self, payload):
        if not self.check_hash or self.current is None:
            return
        h = parse_decoded_picture_hash(payload)
        if h.values != compute_picture_hash(self.current.planes, h.hash_type).values:
            raise DlvcError(f"picture {self.pictures_decoded} (POC {self.current.poc}): decoded picture hash "
                            f"mismatch ({('MD5', 'CRC', 'checksum')[h.hash_type]})")
        self.current.hash_checked = True

    def finish_picture(self):
        """The picture decoded last goes into the DPB; returns the pictures it bumps out."""
        pic = self.current
        if pic is None:
            return []
        self.current = None
        self.pictures_decoded += 1
        self.dpb.store(pic)
        return self.output(self.dpb.output_ready())
