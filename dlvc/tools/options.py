"""The deep tools' cfg keys, in the form of dlvc/config.py's option table (no torch here;
the same scheme as dlvc/learned/options.py)."""
from ..core.syntax.tools_ext import CNNLF_QP_OFFSETS


def _o(name, type, default, help, **kw):
    return dict(name=name, type=type, default=default, help=help, **kw)


ENCODER_ITEMS = (
    "Deep coding tools",
    _o("CNNLoopFilter", bool, False, "dlvc tool 1: CNN in-loop filter (dlvc/tools/cnnlf) with per-CTU "
       "Y/Cb/Cr flags; the stream then needs dlvc-dec (SPS extension records the weights' sha256)"),
    _o("CNNLFSlot", str, "B", "CNN in-loop filter stage: A after deblocking, before SAO; B after SAO "
       "(recorded in the SPS extension)", choices=("A", "B")),
    _o("CNNLFEnsemble", int, 8, "CNN in-loop filter self-ensemble: the network runs on this many "
       "flips/transpositions of the picture and their residuals are averaged (recorded in the SPS "
       "extension; 8 filters best, 1 is 8x faster)", choices=(1, 2, 4, 8)),
    _o("CNNLFQpSearch", int, 4, "CNN in-loop filter: the encoder tries the first N filter QP offsets "
       "(0, -3, -6, -9 on the slice QP; the one saving the most RD cost is signalled per slice; 1: "
       "offset 0 only, N times faster)", range=(1, len(CNNLF_QP_OFFSETS))),
    _o("CNNLFWeights", str, "", "CNN in-loop filter weights (.npz) to use instead of the shipped "
       "dlvc/tools/cnnlf/weights/cnnlf.npz (the decoder must be given the same file)"),
    _o("CNNLFThreads", int, 1, "torch threads of the CNN filter (0: one per CPU core; the output "
       "is identical for any number; 1 is safest on a loaded machine)", range=(0, 256)),
)

DECODER_ITEMS = (
    "Deep coding tools",
    _o("CNNLFWeights", str, "", "extra CNN in-loop filter weights (.npz) for streams made with "
       "CNNLFWeights (matched by the sha256 the stream records)"),
    _o("CNNLFThreads", int, 0, "torch threads of the CNN filter (0: one per CPU core, as FFmpeg's "
       "decoders; the output is identical for any number)", range=(0, 256)),
)
