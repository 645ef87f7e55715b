"""Training of the learned codecs (``dlvc-train iframe|ssf|dvc``), reproducible.

Data: the 8-bit I420 files made by ../shared/training/make_training.py (never the test
sequences).  That set has 26 still images and one 32-frame rendered clip (World), too
little video, so most training sequences are *synthesised*: a crop of a training image
is moved by a known random motion -- per-frame translation of up to +-``max_shift``
pixels in x and y plus a zoom factor in [1/``max_zoom``, ``max_zoom``] per frame --
resampled bilinearly, rounded to 8 bits and chroma-subsampled 2x2 again, like a real
4:2:0 input.  A quarter of the sequences are real consecutive frames of World.
Three images (``HELD_OUT``) are never trained on: validation sequences are made from
them with a fixed seed.

Loss: lambda * 255^2 * D + R per frame, D = HM-style YUV MSE (Y:U:V 4:1:1, chroma at
4:2:0), R = bits per luma pixel from the likelihoods.  Inter models are trained on
[I, P, P] sequences: the I-frame is coded by the (frozen) trained I-frame model of
the same rate point, each P references the previous reconstruction.

A run is bounded by ``--minutes`` (and/or ``--steps``); with ``--steps N --seed S`` the
run is repeatable.  Each run writes OUT.pt (float32 checkpoint + optimiser, to resume
or fine-tune with ``--init``; ``--init`` also takes shipped weights, OUT.npz and its
record), OUT.npz (shipped weights: float16 parameters, exact
entropy tables) and OUT.json (the training record).
"""
import json
import math
import os
import platform
import re
import time

import numpy as np

from ..synthetic_motion import as_420, motion_crop

# CompressAI's MSE lambdas (compressai.zoo, bmshj2018/mbt2018 "mse" table), by quality.
COMPRESSAI_MSE_LAMBDAS = {1: 0.0018, 2: 0.0035, 3: 0.0067, 4: 0.0130, 5: 0.0250,
                          6: 0.0483, 7: 0.0932, 8: 0.1800}
HELD_OUT = ("Chelsea", "Flower", "Tower")
_NAME = re.compile(r"^([A-Za-z0-9]+)_(\d+)x(\d+)(?:_(\d+))?\.yuv$")


def default_data_dir():
    here = os.getcwd()
    for d in (os.environ.get("DLVC_TRAINING_DIR"), os.path.join(here, "..", "shared", "training"),
              os.path.join(here, "..", "training"), "/work/training"):
        if d and os.path.isdir(d) and any(_NAME.match(f) for f in os.listdir(d)):
            return os.path.abspath(d)
    return os.path.join(here, "..", "shared", "training")


def _read_i420(path, w, h):
    raw = np.fromfile(path, dtype=np.uint8)
    fs = w * h * 3 // 2
    out = []
    for i in range(len(raw) // fs):
        f = raw[i * fs:(i + 1) * fs]
        y = f[:w * h].reshape(h, w)
        u = f[w * h:w * h + w * h // 4].reshape(h // 2, w // 2)
        v = f[w * h + w * h // 4:].reshape(h // 2, w // 2)
        out.append(np.stack([y, u.repeat(2, 0).repeat(2, 1), v.repeat(2, 0).repeat(2, 1)]))
    return out


class Data:
    """Training images and clips as (3, H, W) uint8 YUV 4:4:4 arrays (chroma repeated)."""

    def __init__(self, root, held_out=HELD_OUT):
        import torch
        self.root = root
        self.images, self.clips, self.val_images, self.files = [], [], [], []
        if not os.path.isdir(root):
            raise FileNotFoundError(f"training data folder {root} not found (run "
                                    f"../shared/training/make_training.py --out DIR)")
        for f in sorted(os.listdir(root)):
            m = _NAME.match(f)
            if not m:
                continue
            name, w, h, fps = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
            frames = [torch.from_numpy(a) for a in _read_i420(os.path.join(root, f), w, h)]
            self.files.append(f)
            if fps:
                self.clips.append(frames)
            elif name in held_out:
                self.val_images.append(frames[0])
            else:
                self.images.append(frames[0])
        if not self.images:
            raise FileNotFoundError(f"no training images in {root}")

    def describe(self):
        return {"dir": self.root, "files": self.files, "held_out": list(HELD_OUT),
                "train_images": len(self.images), "clips": len(self.clips)}


def sample_batch(data, rng, batch, size, t_frames, clip_prob=0.25, max_shift=6.0, max_zoom=1.03,
                 images=None):
    """(B, T, 3, size, size) float tensor in [0, 1]."""
    import torch
    images = data.images if images is None else images
    out = []
    for _ in range(batch):
        if data.clips and images is data.images and rng.random() < clip_prob:
            clip = data.clips[rng.integers(len(data.clips))]
            step = int(rng.integers(1, 3))
            i0 = int(rng.integers(0, len(clip) - step * (t_frames - 1)))
            _, H, W = clip[0].shape
            y0, x0 = int(rng.integers(0, H - size + 1)), int(rng.integers(0, W - size + 1))
            seq = torch.stack([clip[i0 + step * t][:, y0:y0 + size, x0:x0 + size]
                               for t in range(t_frames)]).float() / 255.0
        else:
            img = images[rng.integers(len(images))]
            seq = as_420(motion_crop(img, size, t_frames, rng, max_shift, max_zoom))
        if rng.random() < 0.5:
            seq = seq.flip(-1)
        if rng.random() < 0.5:
            seq = seq.flip(-2)
        out.append(seq)
    return torch.stack(out)


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------

def build_model(kind, width, **cfg):
    if kind == "iframe":
        from .iframe import IFrame
        return IFrame(width=width, **{k: v for k, v in cfg.items() if k == "latent"})
    if kind == "ssf":
        from .ssf import NarrowSSF
        return NarrowSSF(width=width, **{k: v for k, v in cfg.items()
                                         if k in ("hyper", "latent", "num_levels", "sigma0")})
    if kind == "dvc":
        from .dvc import DVC
        return DVC(width=width, **{k: v for k, v in cfg.items()
                                   if k in ("latent", "flow_levels", "flow_ch", "mv_ch")})
    raise ValueError(f"unknown model {kind!r}")


def _validate(kind, model, iframe, val, lmbda):
    """Mean bpp / PSNR / RD cost on the fixed validation sequences (eval mode, rounding)."""
    import torch
    from .nets import likelihood_bits, yuv_mse
    model.eval()
    bits = 0.0
    mses, mses_y = [], []
    pix = 0
    with torch.no_grad():
        for seq in val:  # (T, 3, H, W)
            x0 = seq[0:1]
            if kind == "iframe":
                frames = [x0]
                x_hat, lik = model(x0)
                outs = [(x_hat, lik)]
            else:
                ref, _ = iframe(x0)
                ref = ref.clamp(0, 1)
                outs = []
                frames = []
                for t in range(1, seq.shape[0]):
                    x = seq[t:t + 1]
                    x_rec, lik, _ = model.forward_p(x, ref)
                    x_rec = x_rec.clamp(0, 1)
                    outs.append((x_rec, lik))
                    frames.append(x)
                    ref = x_rec
            for x, (x_hat, lik) in zip(frames, outs):
                bits += float(likelihood_bits(lik))
                pix += x.shape[-1] * x.shape[-2]
                mses.append(float(yuv_mse(x_hat.clamp(0, 1), x)))
                mses_y.append(float(torch.mean((x_hat[:, 0].clamp(0, 1) - x[:, 0]) ** 2)))
    model.train()
    mse = float(np.mean(mses))
    bpp = bits / pix
    return {"bpp": round(bpp, 5),
            "psnr_yuv": round(10 * math.log10(1.0 / max(mse, 1e-12)), 3),
            "psnr_y": round(float(np.mean([10 * math.log10(1.0 / max(m, 1e-12)) for m in mses_y])), 3),
            "rd_cost": round(lmbda * 255 ** 2 * mse + bpp, 5)}


def _val_set(data, kind, seed=1234):
    rng = np.random.default_rng(seed)
    t = 1 if kind == "iframe" else 3
    seqs = sample_batch(data, rng, 6, 256, t, images=data.val_images)
    return [s for s in seqs]



def compute_loss(kind, model, iframe, seq, lmbda, warmup=False):
    """Training loss of one batch seq (B, T, 3, H, W): mean over coded frames of
    lambda * 255^2 * D + bpp (I-frame model: T = 1; inter models: frame 0 is the I-frame)."""
    import torch
    from .nets import likelihood_bits, yuv_mse
    npix = seq.shape[0] * seq.shape[-1] * seq.shape[-2]
    if kind == "iframe":
        x = seq[:, 0]
        x_hat, lik = model(x)
        return lmbda * 255 ** 2 * yuv_mse(x_hat, x) + likelihood_bits(lik) / npix
    with torch.no_grad():
        ref = iframe(seq[:, 0])[0].clamp(0, 1)
    loss = 0.0
    for t in range(1, seq.shape[1]):
        x = seq[:, t]
        x_rec, lik, extra = model.forward_p(x, ref)
        d = yuv_mse(x_rec, x)
        if kind == "dvc" and warmup:  # DVC's warm-up: teach the flow to warp
            d = d + 0.5 * yuv_mse(extra["warp_raw"], x) + 0.2 * yuv_mse(extra["pred"], x)
        loss = loss + lmbda * 255 ** 2 * d + likelihood_bits(lik) / npix
        ref = x_rec.detach().clamp(0, 1)
    return loss / (seq.shape[1] - 1)


def train(kind, out, minutes=10.0, steps=0, lmbda=0.013, width=32, seed=0, data_dir=None,
          init=None, iframe_path=None, batch=None, size=128, frames=3, lr=3e-4, threads=1,
          val_every_s=120.0, log=print, **model_cfg):
    """Train one model; writes OUT.pt, OUT.npz and OUT.json.  Returns the record."""
    import torch
    from .nets import (arrays_sha256, aux_loss, likelihood_bits, load_into, round_to_half,
                       save_arrays, state_to_arrays, update_entropy_models, yuv_mse)
    from . import registry
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    data = Data(data_dir or default_data_dir())
    init_rec = None
    prior_curve = []
    if init and init.endswith(".npz"):  # shipped weights (float16) and their record
        model, rec = registry.load_model_file(kind, init)   # float32, as the model's own
        init_rec = {"from": os.path.basename(init), "steps": rec["steps"],
                    "weights_sha256": rec["weights_sha256"]}
        prior_steps = rec["steps"]
        if rec["lmbda"] == lmbda:  # the same objective: its validation curve goes on
            prior_curve = rec.get("validation_curve", [])
    elif init:
        ck = torch.load(init + ".pt" if not init.endswith(".pt") else init, weights_only=False)
        model_cfg = {k: v for k, v in {**ck["config"], **model_cfg}.items() if k != "width"}
        width = ck["config"]["width"]
        model = build_model(kind, width, **model_cfg)
        load_into(model, {k: v.numpy() for k, v in ck["model"].items()})  # sizes the entropy tables
        init_rec = {"from": os.path.basename(init), "steps": ck["steps"]}
        prior_steps = ck["steps"]
        if ck.get("lmbda") == lmbda:
            prior_curve = ck.get("curve", [])
    else:
        model = build_model(kind, width, **model_cfg)
        prior_steps = 0
    model.train()
    iframe = None
    iframe_info = None
    if kind != "iframe":
        iframe, iframe_info = registry.load_iframe_file(iframe_path)
        iframe.eval()
        for p in iframe.parameters():
            p.requires_grad_(False)
    batch = batch or (8 if kind == "iframe" else 4)
    aux_params = [p for n, p in model.named_parameters() if n.endswith(".quantiles")]
    main_params = [p for n, p in model.named_parameters() if not n.endswith(".quantiles")]
    opt = torch.optim.Adam(main_params, lr=lr)
    aux_opt = torch.optim.Adam(aux_params, lr=1e-3)
    val = _val_set(data, kind)
    curve = []
    t0 = time.time()
    last_val = -1e9
    step = 0
    deadline = t0 + minutes * 60 if minutes else float("inf")
    losses = []
    skipped = 0
    while True:
        now = time.time()
        if (steps and step >= steps) or now >= deadline:
            break
        if now - last_val >= val_every_s:
            v = _validate(kind, model, iframe, val, lmbda)
            v["step"] = prior_steps + step
            v["minutes"] = round((now - t0) / 60, 2)
            curve.append(v)
            log(f"[{kind} l={lmbda}] step {prior_steps + step} val {v}")
            last_val = time.time()
        frac = (now - t0) / (deadline - t0) if minutes else step / max(steps, 1)
        if steps:
            frac = step / steps
        for g in opt.param_groups:
            g["lr"] = lr * (0.25 if frac > 0.8 else 1.0)
        t_frames = 1 if kind == "iframe" else frames
        seq = sample_batch(data, rng, batch, size, t_frames)
        loss = compute_loss(kind, model, iframe, seq, lmbda, warmup=frac < 0.3)
        opt.zero_grad()
        # a non-finite loss or gradient skips the update: backward through grid_sample
        # with NaN coordinates crashes, and one NaN update would poison every weight
        finite = bool(torch.isfinite(loss))
        if finite:
            loss.backward()
            finite = bool(torch.isfinite(torch.nn.utils.clip_grad_norm_(main_params, 1.0)))
        if not finite:
            skipped += 1
            log(f"[{kind} l={lmbda}] step {prior_steps + step}: non-finite loss or gradient, "
                f"update skipped ({skipped} so far)")
            step += 1
            continue
        opt.step()
        aux_opt.zero_grad()
        aux_loss(model).backward()
        aux_opt.step()
        losses.append(float(loss.detach()))
        step += 1
    v = _validate(kind, model, iframe, val, lmbda)
    v["step"] = prior_steps + step
    v["minutes"] = round((time.time() - t0) / 60, 2)
    curve.append(v)
    log(f"[{kind} l={lmbda}] final step {prior_steps + step} val {v}")
    # float checkpoint (to resume / fine-tune)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    curve = prior_curve + curve
    torch.save({"config": {**model.config()}, "model": model.state_dict(),
                "steps": prior_steps + step, "kind": kind, "lmbda": lmbda, "curve": curve},
               out + ".pt")
    # shipped weights: float16 parameters, entropy tables computed from them
    model.eval()
    round_to_half(model)
    update_entropy_models(model)
    arrays = state_to_arrays(model)
    save_arrays(out + ".npz", arrays)
    import compressai
    record = {
        "model": kind, "config": model.config(), "lmbda": lmbda, "width": model.config()["width"],
        "seed": seed, "steps": prior_steps + step, "steps_this_run": step,
        "steps_skipped_non_finite": skipped,
        "minutes_this_run": round((time.time() - t0) / 60, 2),
        "batch": batch, "crop": size, "frames_per_sequence": 1 if kind == "iframe" else frames,
        "lr": lr, "init": init_rec, "iframe": iframe_info,
        "data": {**data.describe(), "synthetic_motion": {"max_shift_px_per_frame": 6.0,
                                                         "max_zoom_per_frame": 1.03,
                                                         "clip_fraction": 0.25}},
        "loss_first_last": [round(float(np.mean(losses[:20])), 4) if losses else None,
                            round(float(np.mean(losses[-20:])), 4) if losses else None],
        "validation": curve[-1], "validation_curve": curve,
        "weights_sha256": arrays_sha256(arrays),
        "params": int(sum(p.numel() for p in model.parameters())),
        "hardware": f"{platform.machine()} CPU, torch threads {threads}",
        "torch": torch.__version__, "compressai": compressai.__version__,
    }
    with open(out + ".json", "w") as f:
        json.dump(record, f, indent=1)
    return record


# ---------------------------------------------------------------------------------------------
# CLI (subcommands of dlvc-train)
# ---------------------------------------------------------------------------------------------

def add_subparsers(sub):
    for kind, what in (("iframe", "I-frame model (CompressAI mean-scale hyperprior)"),
                       ("ssf", "Scale-Space Flow inter model"),
                       ("dvc", "DVC inter model")):
        p = sub.add_parser(kind, help=f"train the learned codec's {what}")
        p.add_argument("--minutes", type=float, default=10.0, help="wall-clock budget (0: no limit)")
        p.add_argument("--steps", type=int, default=0, help="number of steps (0: until --minutes)")
        p.add_argument("--lmbda", type=float, default=None, help="rate-distortion lambda")
        p.add_argument("--quality", type=int, default=None,
                       help="CompressAI quality 1..8: lambda from its MSE table")
        p.add_argument("--width", type=int, default=32, help="channel width")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--data", default=None, help="training folder (default ../shared/training, ../training)")
        p.add_argument("--init", default=None, help="checkpoint (.pt) or shipped weights (.npz with "
                       "its .json record) to go on from")
        p.add_argument("--batch", type=int, default=None)
        p.add_argument("--size", type=int, default=128, help="crop size (multiple of 128)")
        p.add_argument("--lr", type=float, default=3e-4)
        p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
        p.add_argument("--val-every", type=float, default=120.0, help="seconds between validations")
        p.add_argument("-o", "--out", required=True, help="output path without extension")
        if kind != "iframe":
            p.add_argument("--iframe", required=True, help="I-frame weights (.npz) of the same rate point")
        p.set_defaults(func=_run)


def _run(args):
    lmbda = args.lmbda
    if lmbda is None:
        lmbda = COMPRESSAI_MSE_LAMBDAS[args.quality or 4]
    rec = train(args.cmd, args.out, minutes=args.minutes, steps=args.steps, lmbda=lmbda,
                width=args.width, seed=args.seed, data_dir=args.data, init=args.init,
                iframe_path=getattr(args, "iframe", None), batch=args.batch, size=args.size,
                lr=args.lr, threads=args.threads, val_every_s=args.val_every)
    print(json.dumps({k: rec[k] for k in ("model", "lmbda", "steps", "validation", "weights_sha256")}))
    return 0
