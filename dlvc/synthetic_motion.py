"""Training video made from still pictures by a known random motion (translation and zoom
per frame), for the learned codecs (dlvc/learned/train.py) and the CNN loop filter's
low-delay training clips (dlvc/tools/cnnlf/train.py): the training set has one real clip."""
import math


def motion_crop(img, size, t_frames, rng, max_shift, max_zoom):
    """A sequence of t_frames crops of img under known translation + zoom per frame."""
    import torch
    import torch.nn.functional as F
    _, H, W = img.shape
    shift = rng.uniform(-max_shift, max_shift, 2)
    zoom = math.exp(rng.uniform(-math.log(max_zoom), math.log(max_zoom)))
    # region the whole sequence covers must stay inside the image
    extent = size * max(1.0, zoom ** (t_frames - 1)) + abs(shift).max() * (t_frames - 1) + 4
    s = 1.0
    if extent > min(H, W):
        s = min(H, W) / extent  # shrink the content instead (a zoomed-out view)
    cx = rng.uniform(extent * s / 2, W - extent * s / 2) if W > extent * s else W / 2
    cy = rng.uniform(extent * s / 2, H - extent * s / 2) if H > extent * s else H / 2
    x = img.float()[None] / 255.0
    frames = []
    for t in range(t_frames):
        half = size / 2 / s / (zoom ** t)
        px = cx + shift[0] * t / s
        py = cy + shift[1] * t / s
        lin = torch.linspace(-1 + 1 / size, 1 - 1 / size, size, dtype=torch.float32)
        gx = (px + lin * half) / W * 2 - 1
        gy = (py + lin * half) / H * 2 - 1
        grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], -1)[None]
        f = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
        frames.append(f[0])
    return torch.stack(frames)


def as_420(seq):
    """Round to 8 bits and make chroma 4:2:0 (2x2 mean, repeated) like a real input."""
    import torch.nn.functional as F
    seq = (seq * 255.0).round().clamp(0, 255) / 255.0
    c = F.avg_pool2d(seq[:, 1:], 2)
    c = (c * 255.0).round() / 255.0
    seq[:, 1:] = c.repeat_interleave(2, -2).repeat_interleave(2, -1)
    return seq
