"""I-frames by dlvc's own HEVC intra coding inside a learned stream (frame type 2).

The learned codecs' I-frame model is trained for minutes on this CPU; dlvc's HEVC intra
coding is HM's.  With ``LearnedIntra = hevc`` an I-frame is a complete HEVC Main stream
of one IDR picture (VPS, SPS, PPS, slice), coded by dlvc's encoder with HM's all-intra
settings at ``LearnedIntraQP`` (0: the rate point's QP in ``INTRA_QP``) and decoded by
dlvc's decoder; its 8-bit reconstruction is the reference of the following P-frames, as a
learned I-frame's is.  Any HEVC decoder can decode the string alone.
"""
import numpy as np

from dlvc.errors import DlvcError

# rate point -> the QP of its HEVC I-frames (LearnedIntraQP = 0): the QP whose HM lambda
# (0.57 * 2^((QP - 12) / 3), on 8-bit SSE) equals the rate point's training lambda, whose loss
# lambda * 255^2 * MSE + bpp is 8-bit SSE + bits / lambda per pixel: QP = 12 + 3 log2(1 / (0.57
# lambda)), rounded: 33.2, 30.4, 27.5, 24.7.  (Carphone, 33 frames, SSF rate point 2, GOP 12:
# QP 30 gave +3.5 % rate for +0.22 dB against QP 34, QP 38 -1.3 % for -0.32 dB.)
INTRA_QP = {1: 33, 2: 30, 3: 28, 4: 25}


def intra_qp(rate, qp=0):
    return int(qp) if qp else INTRA_QP[rate]


class IntraEncoder:
    """Codes 8-bit I420 frames of one size as single-picture HEVC streams."""

    def __init__(self, width, height):
        from dlvc.config import make_config
        from dlvc.encoder.encoder import PictureEncoder
        cfg = make_config(SourceWidth=width, SourceHeight=height, FrameRate=25, IntraPeriod=1,
                          GOPSize=1, validate=False)
        self.width, self.height = width, height
        self.enc = PictureEncoder(cfg)

    def encode(self, frame, qp):
        """-> (the HEVC stream's bytes, the reconstruction as uint8 planes width x height)."""
        from dlvc.core.bitstream import IDR_N_LP
        from dlvc.io import crop_frame
        nals, rec = self.enc.encode(frame, 0, IDR_N_LP, qp)
        data = b"".join(self.enc.parameter_set_nals() + nals)
        return data, crop_frame(rec, self.width, self.height, np.uint8)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.enc.decider.close()


def decode(data, width, height, where):
    """One HEVC I-frame string -> uint8 planes; a string that is not one picture of the
    stream's size is a corrupt stream."""
    from dlvc.decoder.decoder import Decoder
    try:
        pics = list(Decoder().decode(data))
    except (DlvcError, ValueError, IndexError) as e:
        raise DlvcError(f"{where}: corrupt HEVC I-frame: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    if len(pics) != 1:
        raise DlvcError(f"{where}: corrupt HEVC I-frame: {len(pics)} pictures instead of 1")
    y, u, v = pics[0].cropped()
    if y.shape != (height, width):
        raise DlvcError(f"{where}: HEVC I-frame of {y.shape[1]}x{y.shape[0]}, the stream is {width}x{height}")
    return tuple(np.ascontiguousarray(p, np.uint8) for p in (y, u, v))
