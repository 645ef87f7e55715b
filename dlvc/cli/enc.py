"""dlvc-enc: encode a .yuv/.y4m sequence (HM-compatible command line)."""
from ..config import ENCODER, parse_args
from ..errors import DlvcError
from .common import atomic_output, exit_when_done, run_main


def _main(argv):
    from ..aot import ENCODER as LIBRARY
    LIBRARY.use_if_built()       # before parsing: checking a GOP imports compiled modules
    cfg = parse_args(argv, "dlvc-enc", ENCODER)
    if cfg.Codec != "hevc":
        from ..learned.codec import encode_sequence   # writes its outputs atomically itself
        encode_sequence(cfg)
        return 0
    from ..encoder.encoder import encode   # after parsing: --help stays fast
    if not cfg.BitstreamFile:
        raise DlvcError("no output bitstream: give -b FILE (BitstreamFile)")
    with atomic_output(cfg.BitstreamFile) as bs, atomic_output(cfg.ReconFile) as rec:
        encode(cfg, bs, rec)
    LIBRARY.build_after_run()
    return 0


def main(argv=None):
    run_main(_main, argv, "dlvc-enc")


def console():
    """The dlvc-enc command."""
    exit_when_done(main)
