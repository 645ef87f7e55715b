"""The learned path's cfg keys, in the form of dlvc/config.py's option table.

No torch here.  Each item is either a group heading (str) or the keyword arguments of
one ``dlvc.config.Option`` (a dict, so this module need not import dlvc.config, which
includes them in ENCODER_OPTIONS / DECODER_OPTIONS).  dlvc-enc calls
``dlvc.learned.codec.encode_sequence(cfg)`` when ``cfg.Codec != "hevc"``; dlvc-dec calls
``dlvc.learned.codec.decode_stream(path, out_path, cfg)`` when
``dlvc.learned.stream.is_learned_stream(first bytes)``.
"""

CODECS = ("hevc", "ssf", "dvc")


def _o(name, type, default, help, **kw):
    return dict(name=name, type=type, default=default, help=help, **kw)


ENCODER_ITEMS = (
    "Learned video coding",
    _o("Codec", str, "hevc", "hevc: dlvc's hybrid codec; ssf / dvc: the end-to-end learned codecs "
       "(dlvc/learned, needs the [learned] extra)", choices=CODECS),
    _o("LearnedRatePoint", int, 2, "learned codecs: rate point 1 (lowest rate) .. 4, one trained "
       "model pair each", range=(1, 4)),
    _o("LearnedGOP", int, 12, "learned codecs: an I-frame every N frames (0: only the first)",
       range=(0, 65535)),
    _o("LearnedIntra", str, "hevc", "learned codecs: I-frames by dlvc's HEVC intra coding (hevc) or "
       "by the learned I-frame model (learned)", choices=("hevc", "learned")),
    _o("LearnedIntraQP", int, 0, "learned codecs: QP of the HEVC I-frames (0: the rate point's, "
       "33 30 28 25 for rate points 1..4)", range=(0, 51)),
    _o("LearnedThreads", int, 1, "learned codecs: torch threads (the decoder must use the same "
       "number for bit-exact output; see dlvc/learned/README.md)", range=(1, 64)),
    _o("LearnedWeights", str, "", "learned codecs: folder of weights to use instead of the "
       "shipped dlvc/learned/weights (files <model>_q<rate>.npz, iframe_q<rate>.npz + .json)"),
)

DECODER_ITEMS = (
    "Learned video coding",
    _o("LearnedThreads", int, 0, "learned streams: torch threads (0: the number the encoder "
       "used, which the stream records; another number may change a few samples by 1)",
       range=(0, 64)),
    _o("LearnedWeights", str, "", "learned streams: extra folder searched for the weights a "
       "stream names (after the shipped ones)"),
)
