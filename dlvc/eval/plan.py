"""Turn what the user asked for into RunSpecs: configurations x sequences x QPs x frames.

A *configuration* is one curve: a codec with its cfg files, ``Key=value`` overrides and
parameters.  ``parse_variant("noLF:DeepLF=0,tools/x.cfg")`` gives a dlvc configuration on
top of the base cfgs; so "tool on / tool off" is two configurations of one sweep.
"""
import os
from dataclasses import dataclass, field

from .errors import EvalError
from .runs import POINT_KEY, RunSpec
from .sequences import check_frames, content_hash

QPS = (22, 27, 32, 37)
# the learned codecs (Codec = ssf | dvc) have no QP: their RD points are their trained rate points
LEARNED_POINTS = (1, 2, 3, 4)


@dataclass
class Config:
    label: str
    codec: str = "dlvc"
    cfgs: tuple = ()
    overrides: tuple = ()
    params: dict = field(default_factory=dict)


def parse_override(text, where="override"):
    key, eq, value = text.lstrip("-").partition("=")
    if not eq or not key or not key.replace("_", "").isalnum():
        raise EvalError(f"{where} {text!r}: expected Key=value")
    return f"{key}={value}"


def parse_variant(text, base_cfgs=(), base_overrides=()):
    """'[label:]item,item' with items 'Key=value' or 'path.cfg'. The label defaults to the items."""
    label, colon, body = text.partition(":")
    if not colon or "=" in label or label.endswith(".cfg"):
        label, body = "", text
    cfgs, overrides = list(base_cfgs), list(base_overrides)
    for item in filter(None, (i.strip() for i in body.split(","))):
        if item.endswith(".cfg"):
            if not os.path.isfile(item):
                raise EvalError(f"configuration {text!r}: cfg file {item} not found")
            cfgs.append(item)
        else:
            o = parse_override(item, f"configuration {text!r}:")
            k = o.split("=")[0]
            overrides = [x for x in overrides if x.split("=")[0] != k] + [o]
    return Config(label or f"dlvc {body}".strip(), "dlvc", tuple(cfgs), tuple(overrides))


def check_cfgs(cfgs):
    for c in cfgs:
        if not os.path.isfile(c):
            raise EvalError(f"cfg file {c} not found")


def fingerprints(configs):
    out = {}
    for c in configs:
        if c.codec in out:
            continue
        if c.codec == "dlvc":
            from .runner_dlvc import fingerprint
            out["dlvc"] = fingerprint()
        elif c.codec == "hm":
            from .runs import file_sha
            exe = c.params.get("hm_encoder", "")
            if not os.path.isfile(exe):
                raise EvalError(f"HM encoder {exe} not found")
            out["hm"] = "hm " + file_sha(exe)
        else:
            from .anchors_pyav import ENCODERS, available, fingerprint
            if c.codec not in ENCODERS:
                raise EvalError(f"unknown codec {c.codec!r} (dlvc, {', '.join(ENCODERS)})")
            if c.codec not in available():
                raise EvalError(f"codec {c.codec}: this PyAV build lacks its encoder or decoder")
            out[c.codec] = fingerprint(c.codec)
    return out


def learned_codec(config):
    """The learned codec (ssf, dvc) a dlvc configuration selects with its Codec key, or None."""
    if config.codec != "dlvc":
        return None
    from dlvc.config import load_cfg_files
    from dlvc.errors import DlvcError
    try:
        keys = load_cfg_files(config.cfgs)
    except DlvcError:  # dlvc-enc itself will say what is wrong with the cfg
        keys = {}
    codec = keys.get("Codec", "hevc").strip()
    for o in config.overrides:
        k, _, v = o.partition("=")
        codec = v.strip() if k == "Codec" else codec
    return None if codec == "hevc" else codec


def points(config, qps):
    """A configuration's RD points: the QPs, or a learned codec's rate points."""
    return LEARNED_POINTS if config.params.get("points") == POINT_KEY else tuple(qps)


def build_specs(configs, seqs, qps, frames_of, ms_ssim=False):
    """frames_of: dict sequence name -> frame count."""
    if len(qps) < 4:
        raise EvalError(f"{len(qps)} QP(s) given; BD-rate needs at least 4 RD points")
    fps = fingerprints(configs)
    for c in configs:
        check_cfgs(c.cfgs)
        if learned_codec(c):
            c.params["points"] = POINT_KEY
    specs = []
    for s in seqs:
        n = frames_of[s.name]
        check_frames(s, n)
        h = content_hash(s, n)
        for c in configs:
            for qp in points(c, qps):
                specs.append(RunSpec(c.codec, c.label, s, int(qp), n, tuple(c.cfgs), tuple(c.overrides),
                                     tuple(sorted(c.params.items())), fps[c.codec], h, ms_ssim))
    return specs
