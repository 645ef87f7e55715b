"""The shipped weights: dlvc/learned/weights/<model>_q<rate>.npz (+ .json record).

A stream names its weights by one sha256 (``stream_hash``): for SSF/DVC it is
sha256(iframe weights sha256 || inter weights sha256), each of those the hash of the
arrays (``nets.arrays_sha256``, recorded in the .json next to the .npz).  The decoder
finds the pair by that hash, so a stream made with other weights is refused.
"""
import hashlib
import json
import os

from dlvc.errors import DlvcError

WEIGHTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
MODELS = ("ssf", "dvc")
MODEL_IDS = {"ssf": 1, "dvc": 2}
RATE_POINTS = (1, 2, 3, 4)
# rate point -> CompressAI quality (its MSE lambda table) used to train it
RATE_QUALITY = {1: 4, 2: 5, 3: 6, 4: 7}


def weights_dir():
    return os.environ.get("DLVC_LEARNED_WEIGHTS", WEIGHTS_DIR)


def _record(npz):
    js = npz[:-4] + ".json"
    with open(js) as f:
        return json.load(f)


def paths(model, rate, folder=None):
    folder = folder or weights_dir()
    return (os.path.join(folder, f"iframe_q{rate}.npz"), os.path.join(folder, f"{model}_q{rate}.npz"))


def stream_hash(iframe_sha, inter_sha):
    return hashlib.sha256(bytes.fromhex(iframe_sha) + bytes.fromhex(inter_sha)).digest()


def available(folder=None):
    """{(model, rate): (iframe_npz, inter_npz, hash32)} for every complete pair on disk."""
    out = {}
    for m in MODELS:
        for r in RATE_POINTS:
            ip, mp = paths(m, r, folder)
            if os.path.exists(ip) and os.path.exists(mp):
                try:
                    h = stream_hash(_record(ip)["weights_sha256"], _record(mp)["weights_sha256"])
                except (OSError, KeyError, ValueError):
                    continue
                out[(m, r)] = (ip, mp, h)
    return out


def _load(kind, npz):
    from .nets import arrays_sha256, load_arrays, load_into
    from .train import build_model
    rec = _record(npz)
    if rec.get("model") != kind:
        raise DlvcError(f"model/cfg mismatch: {os.path.basename(npz)} holds a {rec.get('model')} "
                        f"model, not {kind}")
    arrays = load_arrays(npz)
    if arrays_sha256(arrays) != rec["weights_sha256"]:
        raise DlvcError(f"{npz}: weights do not match the sha256 of their record")
    model = build_model(kind, **rec["config"])
    try:
        load_into(model, arrays)
    except (ValueError, RuntimeError) as e:
        raise DlvcError(f"model/cfg mismatch: {os.path.basename(npz)} does not fit a {kind} "
                        f"model of its recorded configuration ({str(e).splitlines()[0]})") from None
    model.eval()
    return model, rec


def load_model_file(kind, npz):
    """-> (model in eval mode, its training record) from weights + record, checked."""
    return _load(kind, npz)


def load_iframe_file(npz):
    model, rec = _load("iframe", npz)
    return model, {"file": os.path.basename(npz), "weights_sha256": rec["weights_sha256"]}


_CACHE = {}


def load_pair(model, rate, folder=None):
    """-> (iframe_model, inter_model, hash32, info) for a shipped rate point."""
    key = (model, rate, folder or weights_dir())
    if key in _CACHE:
        return _CACHE[key]
    av = available(folder)
    if (model, rate) not in av:
        raise DlvcError(f"no weights for model {model} rate point {rate} in {folder or weights_dir()}")
    ip, mp, h = av[(model, rate)]
    im, irec = _load("iframe", ip)
    pm, prec = _load(model, mp)
    res = (im, pm, h, {"iframe": irec, "inter": prec})
    _CACHE[key] = res
    return res


def find_by_hash(h, folder=None):
    for (m, r), (_, _, hh) in available(folder).items():
        if hh == h:
            return m, r
    return None
