"""dlvc-train: train dlvc's learned models.

    dlvc-train iframe --quality 5 --minutes 8 --width 32 -o out/iframe_q2
    dlvc-train ssf --quality 5 --minutes 15 --iframe out/iframe_q2.npz -o out/ssf_q2
    dlvc-train dvc ...
    dlvc-train cnnlf --minutes 30 --data ../training     # CNN in-loop filter (dlvc tool 1)

Each subcommand belongs to a package (the learned ones to dlvc.learned.train); other
tools add theirs with ``add_subparsers(sub)``.  torch is imported only when a
subcommand runs.
"""
import argparse

from .common import run_main


def _parser():
    p = argparse.ArgumentParser(prog="dlvc-train", description="train dlvc's learned models")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="MODEL")
    from ..learned import train as learned_train   # no torch at import time
    learned_train.add_subparsers(sub)
    from ..tools.cnnlf import train as cnnlf_train      # no torch at import time
    cnnlf_train.add_subparsers(sub)
    return p


def _main(argv):
    args = _parser().parse_args(argv)
    return args.func(args)


def main(argv=None):
    run_main(_main, argv, "dlvc-train")


if __name__ == "__main__":
    main()
