"""dlvc-dec: decode an HEVC Annex-B stream to 8-bit 4:2:0 .yuv."""
import json
import time

from ..config import DECODER, parse_args
from ..errors import DlvcError
from .common import atomic_output, exit_when_done, run_main


def _main(argv):
    cfg = parse_args(argv, "dlvc-dec", DECODER)
    from ..aot import DECODER as LIBRARY
    LIBRARY.use_if_built()              # a fresh process: the AOT library spares Numba's start-up
    from ..decoder.decoder import Decoder
    from ..io import YuvWriter
    if not cfg.BitstreamFile:
        raise DlvcError("no input bitstream: give -b FILE (BitstreamFile)")
    with open(cfg.BitstreamFile, "rb") as f:
        stream = f.read()
    from ..learned.stream import is_learned_stream
    if is_learned_stream(stream[:4]):
        from ..learned.codec import decode_stream
        decode_stream(cfg.BitstreamFile, cfg.ReconFile or None, cfg)
        return 0
    t0 = time.perf_counter()
    n = 0
    dec = Decoder(check_hash=bool(cfg.SEIDecodedPictureHash), cnnlf_weights=cfg.CNNLFWeights,
                  cnnlf_threads=cfg.CNNLFThreads)
    with atomic_output(cfg.ReconFile) as out:
        writer = YuvWriter(out) if out else None
        try:
            for pic in dec.decode(stream):
                if writer:
                    writer.write(pic.cropped())
                n += 1
                if cfg.Verbose:
                    print(f"POC {pic.poc:4d} decoded" + (" [MD5:OK]" if pic.hash_checked else ""))
        finally:
            if writer:
                writer.close()
    seconds = time.perf_counter() - t0
    if n:
        LIBRARY.build_after_run()
    if cfg.Verbose:
        print(f"\n Total Time: {seconds:12.3f} sec. [{n / seconds if seconds else 0:.3f} fps], {n} pictures")
    if cfg.StatsFile:
        with open(cfg.StatsFile, "w") as f:
            json.dump({"frames": n, "decode_s": seconds}, f)
    return 0


def main(argv=None):
    run_main(_main, argv, "dlvc-dec")


def console():
    """The dlvc-dec command."""
    exit_when_done(main)
