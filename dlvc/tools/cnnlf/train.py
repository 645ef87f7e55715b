"""``dlvc-train cnnlf``: training pairs from dlvc itself, CPU training, quantisation, weights.

    dlvc-train cnnlf --minutes 30 --data ../training -o dlvc/tools/cnnlf/weights/cnnlf

1. Data (cached in --work per clip, QP and the clip's samples): the ../shared/training
   images (never the test sequences) coded all-intra whole and at half size, and short
   clips (World's frames; every training image moved by two known random motions, the
   large ones also at half size) coded with cfg/lowdelay.cfg (low-delay P), each at QPs
   22, 27, 32, 37, with the filter off (or, for the clips, with --data-filter's weights on).
   The encoder's own pictures are captured at both filter stages (slot A: deblocked, before
   SAO; slot B: after SAO) next to the original, the slice's QP and type and the picture's
   coding-information plane (infer.coding_info_plane).  A few images
   and the last frames of World are held out for validation.
2. Training (float, Adam, random patches from both stages so one model serves either
   slot; 96x96 luma patches, flipped and transposed at random): a shared model over all
   QPs (the QP is an input plane), then one fine-tuned copy per QP band (--bands), each
   ending with quantisation-aware training.  --init goes on from existing weights instead:
   each band's model from the file's (model.from_int), the whole budget on the bands.
   --slice-types splits each band's model by slice type (P only: the I models stay --init's);
   --coding-info gives the P models the coding-information plane as an 8th input.
3. Quantisation to the integer model (infer.py, exact by construction), validation of the
   *integer* model on the held-out pictures (PSNR gain of the whole-picture filter, no CTU
   flags), and ``<out>.npz`` + ``<out>.json`` (the record: command, data, steps, seed,
   times, validation gain, sha256).
"""
from __future__ import annotations

import json
import math
import os
import re
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from ..base import file_sha256
from .infer import INFO_INTRA, N_IN, N_IN_INFO, coding_info_plane, dihedral

QPS = (22, 27, 32, 37)
STAGES = ("A", "B")           # the filter's input captured: after deblocking (A), after SAO (B)
VAL_IMAGES = ("Chelsea", "Tower", "Coins")
CROP = 256
MAX_SIDE = 640
MOTION_FRAMES = 9
MAX_SHIFT = 4.0
MAX_ZOOM = 1.02
_NAME = re.compile(r"^([A-Za-z]+)_(\d+)x(\d+)(?:_(\d+))?\.yuv$")


# ------------------------------------------------------------------------------ data

def _read_i420(path, w, h):
    n = w * h * 3 // 2
    raw = np.fromfile(path, np.uint8)
    frames = []
    for k in range(len(raw) // n):
        f = raw[k * n:(k + 1) * n]
        y = f[:w * h].reshape(h, w)
        u = f[w * h:w * h + (w // 2) * (h // 2)].reshape(h // 2, w // 2)
        v = f[w * h + (w // 2) * (h // 2):].reshape(h // 2, w // 2)
        frames.append((y, u, v))
    return frames


def _crop(frame, x, y, size=(CROP, CROP)):
    Y, U, V = frame
    (w, h), x, y = size, x & ~1, y & ~1
    return (Y[y:y + h, x:x + w].copy(), U[y // 2:(y + h) // 2, x // 2:(x + w) // 2].copy(),
            V[y // 2:(y + h) // 2, x // 2:(x + w) // 2].copy())


def find_data(data_dir=None):
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(here)))
    cands = [data_dir] if data_dir else [os.path.join(repo, "..", "shared", "training"),
                                         os.path.join(repo, "..", "training")]
    for d in cands:
        if d and os.path.isdir(d) and any(_NAME.match(f) for f in os.listdir(d)):
            return os.path.abspath(d)
    from ...errors import DlvcError
    raise DlvcError(f"no training pictures in {', '.join(c for c in cands if c)} "
                    f"(make them with ../shared/training/make_training.py --out DIR)")


def moving_crops(frame, name, frames=MOTION_FRAMES):
    """A CROP x CROP clip of a still picture under a known random motion (synthetic_motion:
    up to MAX_SHIFT samples per frame in x and y and a zoom in [1/MAX_ZOOM, MAX_ZOOM] per
    frame, bilinear, chroma 2x2-averaged again), seeded by the picture's name."""
    import torch
    from ...synthetic_motion import as_420, motion_crop
    y, u, v = frame
    yuv = np.stack([y, u.repeat(2, 0).repeat(2, 1), v.repeat(2, 0).repeat(2, 1)])
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    seq = as_420(motion_crop(torch.from_numpy(yuv), CROP, frames, rng, MAX_SHIFT, MAX_ZOOM))
    seq = (seq * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()
    return [(f[0].copy(), f[1, ::2, ::2].copy(), f[2, ::2, ::2].copy()) for f in seq]


def half_scale(frame):
    """The picture at half size (a zoomed-out view): every sample of every plane the mean of
    a 2x2 block, rounded half up; sides cut to multiples of 4 first."""
    y = frame[0]
    h, w = y.shape[0] & ~3, y.shape[1] & ~3

    def down(p, ph, pw):
        b = p[:ph, :pw].astype(np.int32)
        return ((b[0::2, 0::2] + b[0::2, 1::2] + b[1::2, 0::2] + b[1::2, 1::2] + 2) >> 2).astype(np.uint8)
    return down(y, h, w), down(frame[1], h // 2, w // 2), down(frame[2], h // 2, w // 2)


def _centre(frame, cap=MAX_SIDE):
    """The centre of a picture, each side a multiple of 8 and at most ``cap``."""
    h, w = frame[0].shape
    cw, ch = min(w & ~7, cap), min(h & ~7, cap)
    return _crop(frame, (w - cw) // 2, (h - ch) // 2, (cw, ch))


def source_clips(data_dir):
    """{name: (kind, frames)}: kind 'ai' (coded all-intra) or 'ldp' (coded low-delay P).

    Training: every image but the validation ones, whole (its centre up to MAX_SIDE
    square) and at half size (``half_scale``: the test video's content is denser than the
    photographs'), coded all-intra; as two moving clips of different motions
    (``moving_crops``), and one of the half-size picture where it is large enough, coded
    low-delay P; World's frames 0..15 whole.  Validation: centre crops of VAL_IMAGES, their
    moving clips and World's frames 20..28 (CROP x CROP)."""
    images, clips = {}, {}
    for f in sorted(os.listdir(data_dir)):
        m = _NAME.match(f)
        if not m:
            continue
        name, w, h, fps = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        frames = _read_i420(os.path.join(data_dir, f), w, h)
        if fps:
            clips[name] = frames
        else:
            images[name] = frames[0]
    out = {}
    val_crops = []
    for name, fr in images.items():
        h, w = fr[0].shape
        if name in VAL_IMAGES:
            if min(h, w) >= CROP:
                val_crops.append(_crop(fr, (w - CROP) // 2, (h - CROP) // 2))
        elif min(h, w) >= 64:
            out[f"ai_{name.lower()}"] = ("ai", [_centre(fr)])
            if min(h, w) >= 128:
                out[f"ai_{name.lower()}_half"] = ("ai", [_centre(half_scale(fr))])
    out["ai_val"] = ("ai", val_crops)
    if "World" in clips:
        wf = clips["World"]
        out["ldp_world16"] = ("ldp", [_centre(f) for f in wf[:16]])
        out["ldp_world_val"] = ("ldp", [_crop(f, 112, 8) for f in wf[20:29]])
    for name, fr in images.items():
        h, w = fr[0].shape
        if min(h, w) < CROP + 32:
            continue
        if name in VAL_IMAGES:
            out[f"ldp_{name.lower()}_val"] = ("ldp", moving_crops(fr, name))
            continue
        out[f"ldp_{name.lower()}"] = ("ldp", moving_crops(fr, name))
        out[f"ldp_{name.lower()}_b"] = ("ldp", moving_crops(fr, name + "_b"))
        if min(h, w) >= 2 * (CROP + 32):
            out[f"ldp_{name.lower()}_half"] = ("ldp", moving_crops(half_scale(fr), name + "_half"))
    return out


# the stage --data-filter codes the clips with (--data-filter-slot): every shipped model was
# trained on clips coded with the filter at slot A (the encoder's default, CNNLFSlot, is B)
DATA_FILTER_SLOT = "A"


def _encode_job(job):
    """One (clip, QP) encode with dlvc in this process; returns the captured pictures."""
    name, kind, frames, qp, tmp, filt, slot = job
    os.environ.setdefault("NUMBA_CACHE_DIR", os.path.join(os.getcwd(), ".dlvc-cache", "numba"))
    from ...config import ENCODER, load_cfg_files, make_config
    from ...encoder.encoder import PictureEncoder, encode_structure, nal_type_for
    from ...io import Frame, VideoReader, write_yuv
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    h, w = frames[0][0].shape
    src = os.path.join(tmp, f"{name}_{qp}.yuv")
    write_yuv(src, [Frame(*f) for f in frames], w, h)
    cfg_file = os.path.join(repo, "cfg", "intra.cfg" if kind == "ai" else "lowdelay.cfg")
    values = load_cfg_files([cfg_file])
    values.update(InputFile=src, SourceWidth=w, SourceHeight=h, FrameRate=30.0, FramesToBeEncoded=len(frames),
                  QP=qp, BitstreamFile=os.path.join(tmp, f"{name}_{qp}.bin"), ReconFile="", Verbose=0,
                  SEIDecodedPictureHash=0, Threads=1, CNNLoopFilter=bool(filt), CNNLFWeights=filt or "",
                  CNNLFSlot=slot, CNNLFThreads=1)       # the slot make_data's cache tag names
    cfg = make_config(ENCODER, **values)
    pics = []
    # the stages captured: those before the filter (with it on, a later stage is its output)
    slots = STAGES[:STAGES.index(cfg.CNNLFSlot) + 1] if filt else STAGES

    class Capture:
        def __init__(self, slot, rec):
            self.slot, self.rec = slot, rec

        def __call__(self, planes, meta):
            self.rec[self.slot] = tuple(p.astype(np.uint8) for p in planes)
            self.rec["info"] = coding_info_plane(meta).astype(np.int8)

    def stages(org, q, slice_type):
        rec = {"org": tuple(np.asarray(p, np.uint8) for p in org), "qp": int(q), "intra": int(slice_type == 2)}
        pics.append(rec)
        return [Capture(slot, rec) for slot in slots]

    if kind == "ai":
        enc = PictureEncoder(cfg)
        enc.extra_stages = stages
        qpi = max(0, min(51, cfg.QP + cfg.IntraQPOffset))
        for i, f in enumerate(frames):
            enc.encode(Frame(*f), i, nal_type_for(cfg, i), qpi)
    else:
        with VideoReader(src, w, h, 30) as reader:
            encode_structure(cfg, reader, len(frames), cfg.BitstreamFile, None, lambda *a: None, extra_stages=stages)
    os.remove(src)
    return name, qp, pics


def make_data(data_dir, work, jobs=2, log=print, data_filter=None, data_filter_slot=DATA_FILTER_SLOT):
    """Encode every (clip, QP) once; cache the captured pictures (and the coding-information
    plane of each picture's CU metadata, infer.coding_info_plane) in
    work/<clip>_<qp>_<crc32 of the clip's samples>[_ci[_f<filter's sha256><slot>]].npz.

    ``data_filter``: CNN filter weights to code the low-delay clips with (at the stage
    ``data_filter_slot``, flags and QP offsets decided as the encoder does), so that their P
    pictures predict from filtered references as they do when the filter is in use; the
    pictures captured are the filter's input and the stages before it (slot A: the deblocked
    pictures only, since after SAO they have been filtered)."""
    os.makedirs(work, exist_ok=True)
    clips = source_clips(data_dir)
    tag = ""
    if data_filter:
        from .. import CNNLF
        tag = "_f" + CNNLF.weights_sha256(os.path.abspath(data_filter)).hex()[:8] + data_filter_slot
    filt = {name: (data_filter if kind == "ldp" else None) for name, (kind, _) in clips.items()}
    # "_ci": low-delay caches hold the P pictures' coding-information planes (older ones do not;
    # an all-intra picture's plane follows from its slice type)
    paths = {name: _cache_path(work, name, frames, "_ci" + (tag if filt[name] else "") if kind == "ldp" else "")
             for name, (kind, frames) in clips.items()}
    todo = []
    for name, (kind, frames) in clips.items():
        for qp in QPS:
            if not os.path.exists(paths[name] % qp):
                todo.append((name, kind, frames, qp, work, filt[name], data_filter_slot))
    # longest first
    todo.sort(key=lambda j: -len(j[2]) * (4 if j[1] == "ai" else 1))
    t0 = time.time()
    if todo:
        log(f"cnnlf: encoding {len(todo)} (clip, QP) jobs with dlvc in {jobs} processes")
        with ProcessPoolExecutor(jobs) as pool:
            for name, qp, pics in pool.map(_encode_job, todo):
                _save_pics(paths[name] % qp, pics)
                log(f"  {name} QP {qp}: {len(pics)} pictures ({time.time() - t0:.0f} s)")
    return {name: {qp: _load_pics(paths[name] % qp) for qp in QPS} for name in clips}


def _cache_path(work, name, frames, tag=""):
    crc = 0
    for f in frames:
        for plane in f:
            crc = zlib.crc32(np.ascontiguousarray(plane).tobytes(), crc)
    return os.path.join(work, f"{name}_%d_{crc:08x}{tag}.npz")


def _save_pics(path, pics):
    d = {}
    for i, p in enumerate(pics):
        for k in ("org",) + STAGES:
            for c in range(3 if k in p else 0):
                d[f"{i}_{k}{c}"] = p[k][c]
        if "info" in p:
            d[f"{i}_info"] = p["info"]
        d[f"{i}_qp"] = np.int32(p["qp"])
        d[f"{i}_intra"] = np.int32(p["intra"])
    d["n"] = np.int32(len(pics))
    tmp = path + ".part"
    with open(tmp, "wb") as f:
        np.savez(f, **d)
    os.replace(tmp, path)


def _load_pics(path):
    """The pictures of a cache file; an intra picture saved without its coding-information
    plane gets it (all intra)."""
    with np.load(path) as z:
        out = []
        for i in range(int(z["n"])):
            p = {k: tuple(z[f"{i}_{k}{c}"] for c in range(3)) for k in ("org",) + STAGES if f"{i}_{k}0" in z.files}
            p.update(qp=int(z[f"{i}_qp"]), intra=int(z[f"{i}_intra"]))
            if f"{i}_info" in z.files:
                p["info"] = z[f"{i}_info"]
            elif p["intra"]:
                p["info"] = np.full(p["org"][1].shape, INFO_INTRA, np.int8)
            out.append(p)
    return out


# ------------------------------------------------------------------------------ training

def _to_input(planes, qp, info=None):
    """Float network input [7, H/2, W/2], or [8, H/2, W/2] with the coding-information plane,
    in the float model's units (model.py)."""
    from .infer import make_input
    return make_input(tuple(p.astype(np.int32) for p in planes), qp, info).astype(np.float32) / 128.0


def _to_target(org, rec):
    """Residual target (org - rec) in float units, [6, H/2, W/2]."""
    from .infer import make_input
    d = make_input(tuple(o.astype(np.int32) for o in org), 32)[:6] - make_input(tuple(r.astype(np.int32) for r in rec), 32)[:6]
    return d.astype(np.float32) / 128.0


class Patches:
    """Random size x size (luma) patches from the training pictures (a picture drawn with
    probability proportional to its area); every stage a picture holds as inputs, with the
    coding-information plane where the picture has one (``batch``'s n_in: 7 leaves it out).  With
    ``augment`` each patch is also flipped and transposed at random (dihedral): coding
    artefacts have no preferred orientation worth learning, and the 8 symmetries multiply the
    data."""

    def __init__(self, pics, rng, size=96, device="cpu", augment=True):
        self.rng, self.half, self.device, self.augment = rng, size // 2, device, augment
        self.x, self.t, self.qp, self.intra, self.area = [], [], [], [], []
        for p in pics:
            for slot in (s for s in STAGES if s in p):
                self.x.append(_to_input(p[slot], p["qp"], p.get("info")))
                self.t.append(_to_target(p["org"], p[slot]))
                self.qp.append(p["qp"])
                self.intra.append(int(p["intra"]))
                self.area.append(p["org"][0].size)
        self.qp, self.intra, self.area = np.array(self.qp), np.array(self.intra), np.array(self.area, np.float64)

    def batch(self, n, idx=None, n_in=N_IN):
        import torch
        idx = np.arange(len(self.x)) if idx is None else idx
        idx = self.rng.choice(idx, n, p=self.area[idx] / self.area[idx].sum())
        xs, ts = [], []
        s = self.half
        for i in idx:
            x, t = self.x[i], self.t[i]
            _, h, w = x.shape
            y0, x0 = self.rng.integers(0, h - s + 1), self.rng.integers(0, w - s + 1)
            k = int(self.rng.integers(0, 8)) if self.augment else 0
            xs.append(dihedral(x[:n_in, y0:y0 + s, x0:x0 + s], k))
            ts.append(dihedral(t[:, y0:y0 + s, x0:x0 + s], k))
        return torch.from_numpy(np.stack(xs)).to(self.device), torch.from_numpy(np.stack(ts)).to(self.device)


def _loss(net, x, t, qat):
    """Mean squared error in samples^2 (float units are 1/128 sample: without the scale
    the gradients are so small that Adam's epsilon swamps them)."""
    r = net(x, qat=qat)
    return ((r - t) ** 2).mean() * (128.0 * 128.0)


def _train_phase(net, patches, idx, seconds, lr, batch, qat_frac, log, tag, steps_cap=0):
    import torch
    opt = torch.optim.Adam(net.parameters(), lr=lr, eps=1e-10)
    t0 = time.time()
    step = 0
    qat = False
    ema = None
    while True:
        el = time.time() - t0
        frac = el / seconds if seconds > 0 else step / max(steps_cap, 1)
        if frac >= 1.0 or (steps_cap and step >= steps_cap):
            break
        if not qat and frac >= 1.0 - qat_frac:
            xb, _ = patches.batch(64, idx, net.n_in)
            net.calibrate(xb)
            qat = True
            log(f"  [{tag}] step {step}: quantisation-aware training, activation exponents {net.act_exp}")
        warm = min(1.0, (step + 1) / 200.0)          # warm-up: a large first step kills the ReLUs
        for g in opt.param_groups:
            g["lr"] = warm * lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(frac, 1.0))))
        x, t = patches.batch(batch, idx, net.n_in)
        loss = _loss(net, x, t, qat)
        opt.zero_grad()
        loss.backward()
        opt.step()
        lv = float(loss.detach())
        ema = lv if ema is None else 0.98 * ema + 0.02 * lv
        step += 1
        if step % 200 == 0:
            log(f"  [{tag}] step {step} {el:.0f}s loss {ema:.3f} (sample^2)")
    if not qat:
        xb, _ = patches.batch(64, idx, net.n_in)
        net.calibrate(xb)
    return step


def _psnr(a, b):
    m = np.mean((a.astype(np.float64) - b) ** 2)
    return 10 * math.log10(255 * 255 / max(m, 1e-10))


def validate(models, select, val_pics, ensemble=1):
    """PSNR gain (dB) of the integer filter (a self-ensemble of ``ensemble`` symmetries) over
    whole pictures, per slice type, QP and slot, for Y, Cb, Cr: PSNR of the pooled MSE of the
    group's pictures after minus before (pooling, not averaging per-picture PSNRs: a grey
    picture's chroma is coded exactly and one changed sample would count as -80 dB)."""
    from .infer import filter_planes
    sse = {}
    for p in val_pics:
        for slot in (s for s in STAGES if s in p):
            m = models[int(select[p["intra"] and 1 or 0, p["qp"]])]
            out = filter_planes(m, tuple(x.astype(np.int16) for x in p[slot]), p["qp"], threads=0, ensemble=ensemble,
                                info=p.get("info"))
            key = f"{'I' if p['intra'] else 'P'}_qp{p['qp']}_{slot}"
            acc = sse.setdefault(key, np.zeros((2, 3)))
            for c, (o, f, r) in enumerate(zip(p["org"], out, p[slot])):
                acc[0, c] += np.mean((o.astype(np.float64) - r) ** 2)
                acc[1, c] += np.mean((o.astype(np.float64) - f) ** 2)
    return {k: [round(10 * math.log10(max(v[0, c], 1e-10) / max(v[1, c], 1e-10)), 4) for c in range(3)]
            for k, v in sorted(sse.items())}


def validation_record(models, select, val_pics):
    """The record's validation entries: the plain network and the self-ensemble of 8."""
    key = "slice type_QP_slot: [Y, Cb, Cr] dB, PSNR of pooled MSE, whole-picture filter, no flags"
    return {"validation_psnr_gain_db": {"key": key, **validate(models, select, val_pics)},
            "validation_psnr_gain_db_ensemble8": {"key": key + ", CNNLFEnsemble 8",
                                                  **validate(models, select, val_pics, 8)}}


def revalidate(out, data_dir=None, work=None, data_filter=None, log=print, data_filter_slot=DATA_FILTER_SLOT):
    """Recompute the record's validation of existing weights (no training)."""
    from .infer import load_models
    data = make_data(find_data(data_dir), work or os.path.join(os.getcwd(), ".dlvc-cache", "cnnlf-data"), 2, log,
                     data_filter, data_filter_slot)
    val_pics = [p for n, d in data.items() if n.endswith("val") for q in QPS for p in d[q]]
    models, select = load_models(out + ".npz")
    select = select[0]                   # the first model set
    with open(out + ".json") as f:
        record = json.load(f)
    val = validation_record(models, select, val_pics)
    record.update(val)
    with open(out + ".json", "w") as f:
        json.dump(record, f, indent=1)
    log(json.dumps(val, indent=1))


def _command_line():
    """The dlvc-train command line of this process, for a record (None when not run as it)."""
    return "dlvc-train " + " ".join(sys.argv[1:]) if sys.argv and "dlvc-train" in sys.argv[0] else None


def training_record(weights):
    """The record (.json) beside a weights .npz, or None."""
    path = os.path.splitext(weights)[0] + ".json"
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def train(out, minutes=30.0, data_dir=None, work=None, seed=0, channels=24, layers=None, bands=(27, 32),
          batch=8, lr=1e-3, threads=0, jobs=2, steps=0, device="cpu", augment=True, init=None, data_filter=None,
          slice_types=False, coding_info=False, log=print, data_filter_slot=DATA_FILTER_SLOT):
    """Train and write ``out``.npz/.json.  ``init``: a weights .npz to go on from: each QP
    band's model starts from the one that file selects for the band (the shared phase is
    skipped and the band phases share the whole budget); its network shape is the file's.
    ``data_filter``: the low-delay clips are coded with that filter on, at the stage
    ``data_filter_slot`` (make_data).
    ``slice_types``: a model per band and slice type (P, I), each trained on its own slices;
    "P" ("I"): only the P (I) models train, the others stay the starting ones (--init's).
    ``coding_info``: the models for P slices take the coding-information plane as an 8th
    input (infer.py; from a 7-input start, with zero weights on it).  ``layers`` (default 7):
    with ``init``, the models that train are made that deep from the file's (model.deepened:
    the added layers start as pass-throughs); None keeps each model's depth."""
    for flag, path in (("--init", init), ("--data-filter", data_filter)):
        if path and not os.path.isfile(path):
            from ...errors import DlvcError
            raise DlvcError(f"{flag} {path}: no such weights file")
    import torch
    from .infer import load_models, save_models
    from .model import FloatNet, deepened, from_int, quantise, with_coding_info
    threads = threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    data_dir = find_data(data_dir)
    work = work or os.path.join(os.getcwd(), ".dlvc-cache", "cnnlf-data")
    t_data = time.time()
    ldp_filter = "off"
    if data_filter:                                 # before ``out`` may replace it
        ldp_filter = (f"{os.path.basename(data_filter)} on, slot {data_filter_slot}, "
                      f"sha256 {file_sha256(data_filter).hex()}")
    data = make_data(data_dir, work, jobs, log, data_filter, data_filter_slot)
    t_data = time.time() - t_data
    train_pics = [p for n, d in data.items() if not n.endswith("val") for q in QPS for p in d[q]]
    val_pics = [p for n, d in data.items() if n.endswith("val") for q in QPS for p in d[q]]
    log(f"cnnlf: {len(train_pics)} training pictures, {len(val_pics)} validation pictures "
        f"(data {t_data:.0f} s)")
    patches = Patches(train_pics, rng, device=device, augment=augment)
    # QP bands over the slice QPs: band k holds QP <= bands[k] (the last: the rest)
    edges = list(bands) + [51]
    band_of = np.array([next(k for k, e in enumerate(edges) if q <= e) for q in range(52)])
    seconds = minutes * 60.0
    t0 = time.time()
    init_record = None
    models, steps_done = [], {}
    if init:
        init_models, init_select = load_models(init)
        init_select = init_select[0]          # its first model set
        channels = init_models[0].weights[0].shape[0]
        init_record = {"file": os.path.basename(init), "sha256": file_sha256(init).hex()}
        prev = training_record(init)
        if prev is not None:
            init_record.update({k: prev.get(k) for k in ("command", "minutes", "steps", "init")})
            init_record["data_clips"] = sorted(prev.get("data", {}).get("clips", {}))
    else:
        layers = layers or 7
        shared = FloatNet(channels, layers).to(device)
        share_frac = 0.6 if len(edges) > 1 else 1.0
        steps_done["shared"] = _train_phase(shared, patches, None, seconds * share_frac, lr, batch,
                                            0.0 if len(edges) > 1 else 0.25, log, "shared", steps_cap=steps)
    # the models: one per (band, slice type) group; slice type None: both types
    groups = [(k, t) for k in range(len(edges)) for t in ((0, 1) if slice_types else (None,))]
    kept = {"P": 1, "I": 0}.get(slice_types)         # the slice type whose models stay the starting ones
    if len(groups) == 1 and not init:
        models.append(quantise(shared))
    else:
        # a group without training pictures (I slices above the training QPs), or one of the
        # slice type --slice-types leaves out, keeps its starting model: --init's, or the shared one
        picks = []
        for k, t in groups:
            sel = band_of[patches.qp] == k
            idx = np.nonzero(sel if t is None else sel & (patches.intra == t))[0]
            picks.append(idx[:0] if t == kept else idx)
        left = sum(len(idx) > 0 for idx in picks)
        for (k, t), idx in zip(groups, picks):
            tag = f"band{k}" + ("" if t is None else "_" + "PI"[t])
            start = init_models[int(init_select[t or 0, edges[k]])] if init else None
            if not len(idx):
                why = f"--slice-types {slice_types}" if t == kept else "no training pictures"
                log(f"  [{tag}] {why}: the starting model is kept")
                models.append(start if start is not None else quantise(shared))
                steps_done[tag] = 0
                continue
            if start is not None:
                net = deepened(from_int(start), layers or start.layers).to(device)
            else:
                net = FloatNet(channels, layers).to(device)
                net.load_state_dict(shared.state_dict())
            if coding_info and t != 1 and net.n_in == N_IN:
                net = with_coding_info(net)
            remaining = seconds - (time.time() - t0)
            n = _train_phase(net, patches, idx, remaining / left, lr * 0.3, batch, 0.4, log, tag, steps_cap=steps)
            left -= 1
            steps_done[tag] = n
            models.append(quantise(net))
    per_type = 2 if slice_types else 1
    select = np.stack([band_of * per_type, band_of * per_type + per_type - 1]).astype(np.int32)
    os.makedirs(os.path.dirname(os.path.abspath(out)) or ".", exist_ok=True)
    save_models(out + ".npz", models, select)
    val = validation_record(models, select, val_pics)
    load_models(out + ".npz")            # checks the bounds again
    sha = file_sha256(out + ".npz").hex()
    record = {
        "command": _command_line(),
        "tool": "cnnlf (dlvc tool 1)", "weights": os.path.basename(out) + ".npz", "sha256": sha,
        "seed": seed, "minutes": minutes, "train_seconds": round(time.time() - t0, 1),
        "data_seconds": round(t_data, 1), "torch": torch.__version__, "threads": threads,
        "device": device,
        "network": {"channels": channels, "layers": [m.layers for m in models], "inputs": [m.n_in for m in models],
                    "outputs": 6,
                    "patch": 96, "batch": batch, "lr": lr,
                    "augment": "random flips and transpositions" if augment else "none"},
        "bands": {"qp_upper_bounds": edges,
                  "slice_types": ("a model per band for P and one for I slices" if slice_types
                                  else "same model per band for I and P slices")
                  + (f"; the {'PI'[kept]} models kept from --init" if kept is not None else ""),
                  "coding_info": "the P-slice models take the coding-information plane" if coding_info
                  else "no coding-information plane"},
        "steps": steps_done,
        "init": init_record,
        "data": {"dir": data_dir, "qps": list(QPS), "crop": CROP, "max_side": MAX_SIDE, "validation_images": list(VAL_IMAGES),
                 "clips": {n: {"kind": "all-intra" if n.startswith("ai") else "low-delay P (cfg/lowdelay.cfg)",
                               "pictures": sum(len(d[q]) for q in QPS)} for n, d in data.items()},
                 "stages": "both slot A (deblocked) and slot B (after SAO) pictures as inputs",
                 "encoder": f"dlvc, cfg/intra.cfg (filter off) and cfg/lowdelay.cfg (filter {ldp_filter})"},
        **val,
    }
    with open(out + ".json", "w") as f:
        json.dump(record, f, indent=1)
    log(f"cnnlf: wrote {out}.npz (sha256 {sha[:16]}...) and {out}.json")
    return record


def add_subparsers(sub):
    p = sub.add_parser("cnnlf", help="train the CNN in-loop filter (dlvc tool 1) on pairs dlvc codes itself")
    p.add_argument("--minutes", type=float, default=30.0, help="training time budget (data generation not counted)")
    p.add_argument("--steps", type=int, default=0, help="cap on steps per phase (0: until --minutes)")
    p.add_argument("--data", default=None, help="training pictures (default ../shared/training, ../training)")
    p.add_argument("--work", default=None, help="cache of the coded training pairs (default .dlvc-cache/cnnlf-data)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--channels", type=int, default=24)
    p.add_argument("--layers", type=int, default=None,
                   help="layers of a network (default 7); with --init, the trained models are "
                        "deepened to this many (the added layers start as pass-throughs)")
    p.add_argument("--bands", default="27,32", help="QP band upper bounds, comma separated ('' for one model)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: one per core)")
    p.add_argument("--jobs", type=int, default=2, help="encoder processes for the data")
    p.add_argument("--no-augment", dest="augment", action="store_false",
                   help="train without the random flips and transpositions of the patches")
    p.add_argument("--init", default=None, help="weights .npz to go on training from (each QP band from its "
                   "model; no shared phase; the file's network shape)")
    p.add_argument("--data-filter", default=None, help="CNN filter weights to code the low-delay training "
                   "clips with (their P pictures then predict from filtered pictures, as in use)")
    p.add_argument("--data-filter-slot", default=DATA_FILTER_SLOT, choices=STAGES,
                   help="the stage --data-filter runs at (A, as for the shipped weights; B: after SAO)")
    p.add_argument("--slice-types", nargs="?", const="PI", default="", choices=("PI", "P", "I"),
                   help="a model per QP band and slice type (P, I), each trained on its own slices; "
                   "'--slice-types P' ('I'): only the P (I) models train, the others stay --init's")
    p.add_argument("--coding-info", action="store_true", help="the P-slice models take the coding-information "
                   "plane (intra / inter with residual / inter without, from the CU metadata) as an 8th input")
    p.add_argument("--device", default="cpu", help="torch device for training (cpu, cuda); the shipped "
                   "integer model is the same kind of file either way")
    p.add_argument("--revalidate", action="store_true", help="only recompute the validation in the record "
                   "of existing weights (-o)")
    p.add_argument("-o", "--out", default=None, help="output path without extension "
                   "(default: the shipped dlvc/tools/cnnlf/weights/cnnlf)")
    p.set_defaults(func=_run)
    p = sub.add_parser("cnnlf-sets", help="one CNN loop filter weights file of two model sets (the encoder "
                       "picks one per slice, slice_cnnlf_set_idx) from two weights files")
    p.add_argument("weights", nargs=2, help="the weights .npz of set 0 and of set 1")
    p.add_argument("-o", "--out", required=True, help="output path without extension")
    p.set_defaults(func=_run_sets)


def write_sets(out, paths):
    """``out``.npz holding the model sets of ``paths`` (infer.merge_sets) and ``out``.json
    recording each set's file, sha256 and training record."""
    from ...errors import DlvcError
    from .infer import merge_sets, save_models
    for path in paths:
        if not os.path.isfile(path):
            raise DlvcError(f"{path}: no such weights file")
    try:
        models, select = merge_sets(paths)
    except ValueError as e:
        raise DlvcError(str(e)) from None
    os.makedirs(os.path.dirname(os.path.abspath(out)) or ".", exist_ok=True)
    save_models(out + ".npz", models, select)
    sets = []
    for path in paths:
        rec = {"file": os.path.basename(path), "sha256": file_sha256(path).hex()}
        prev = training_record(path)
        if prev is not None:
            rec["record"] = prev
        sets.append(rec)
    record = {"command": _command_line(),
              "tool": "cnnlf (dlvc tool 1)", "weights": os.path.basename(out) + ".npz",
              "sha256": file_sha256(out + ".npz").hex(), "models": len(models), "sets": sets}
    with open(out + ".json", "w") as f:
        json.dump(record, f, indent=1)
    return record


def _run_sets(args):
    record = write_sets(args.out, args.weights)
    print(f"cnnlf-sets: wrote {args.out}.npz ({record['models']} models, sha256 {record['sha256'][:16]}...) "
          f"and {args.out}.json")
    return 0


def _run(args):
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights", "cnnlf")
    if args.revalidate:
        revalidate(out, args.data, args.work, args.data_filter, data_filter_slot=args.data_filter_slot)
        return 0
    bands = tuple(int(b) for b in args.bands.split(",") if b.strip())
    train(out, minutes=args.minutes, data_dir=args.data, work=args.work, seed=args.seed, channels=args.channels,
          layers=args.layers, bands=bands, batch=args.batch, lr=args.lr, threads=args.threads, jobs=args.jobs,
          steps=args.steps, device=args.device, augment=args.augment, init=args.init, data_filter=args.data_filter,
          slice_types=args.slice_types, coding_info=args.coding_info, log=lambda s: print(s, flush=True),
          data_filter_slot=args.data_filter_slot)
    return 0
