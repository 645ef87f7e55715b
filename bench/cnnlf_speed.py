#!/usr/bin/env python3
"""Speed of the CNN in-loop filter (dlvc tool 1): the network alone per picture, and
dlvc-dec's frames per second on a stream with the filter on (with the share of the time
spent in the filter stage).  Reports medians: of the network's timings, and of several
decodes after a first one (which loads Numba's cache and torch); the machines these run on
are shared and their timings vary by up to 2x from run to run.

    python bench/cnnlf_speed.py [--size 416x240] [--stream out.bin] [--threads 0]

The network alone is timed for each self-ensemble size (CNNLFEnsemble 1, 2, 4, 8); the
stream decodes with the size its SPS records.
"""
import argparse
import os
import time

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="416x240")
    ap.add_argument("--stream", default=None, help="a dlvc stream to decode (filter on)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: one per core)")
    ap.add_argument("--repeat", type=int, default=10, help="timings of the network alone (median)")
    ap.add_argument("--decodes", type=int, default=3, help="timed decodes of --stream (median)")
    args = ap.parse_args()
    if args.stream and not os.path.isfile(args.stream):
        ap.error(f"--stream {args.stream}: no such file")
    from dlvc.tools import CNNLF
    from dlvc.tools.cnnlf import codec
    from dlvc.tools.cnnlf.infer import ENSEMBLE_SIZES, filter_planes, load_models
    w, h = map(int, args.size.split("x"))
    models, _ = load_models(CNNLF.weights_path())
    rng = np.random.default_rng(0)
    planes = (rng.integers(0, 256, (h, w)).astype(np.int16), rng.integers(0, 256, (h // 2, w // 2)).astype(np.int16),
              rng.integers(0, 256, (h // 2, w // 2)).astype(np.int16))
    model = models[0]
    # a model with the coding-information input gets a random plane of the three values
    info = rng.choice(np.array([-128, 0, 127]), (h // 2, w // 2)) if model.n_in == 8 else None
    for k in ENSEMBLE_SIZES:
        filter_planes(model, planes, 32, args.threads, ensemble=k, info=info)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            filter_planes(model, planes, 32, args.threads, ensemble=k, info=info)
            times.append(time.perf_counter() - t0)
        dt = float(np.median(times))
        print(f"filter {w}x{h}, self-ensemble of {k}: {dt * 1000:.1f} ms per picture, median of {args.repeat} "
              f"({len(models)} models, "
              f"{model.layers} layers, {model.weights[0].shape[0]} channels, {model.n_in} inputs)")
    if args.stream:
        from dlvc.decoder.decoder import Decoder
        data = open(args.stream, "rb").read()
        spent = [0.0]
        orig = codec.DecoderStage.__call__

        def timed(self, planes, meta):
            t = time.perf_counter()
            orig(self, planes, meta)
            spent[0] += time.perf_counter() - t
        codec.DecoderStage.__call__ = timed
        list(Decoder(cnnlf_threads=args.threads).decode(data))      # warm-up
        runs = []
        for _ in range(args.decodes):
            spent[0] = 0.0
            t0 = time.perf_counter()
            n = len(list(Decoder(cnnlf_threads=args.threads).decode(data)))
            runs.append((time.perf_counter() - t0, spent[0]))
        dt, filt = sorted(runs)[len(runs) // 2]
        print(f"dlvc-dec {os.path.basename(args.stream)}: {n} pictures in {dt:.2f} s = {n / dt:.2f} fps "
              f"(median of {args.decodes} decodes; fastest {n / min(runs)[0]:.2f} fps); "
              f"filter stage {filt:.2f} s ({100 * filt / dt:.0f}%)")


if __name__ == "__main__":
    main()
