"""DVC (Lu et al., CVPR 2019) built from CompressAI blocks, at a narrow width.

* optical flow: a SpyNet-style pyramid (``levels`` levels, one small CNN per level
  refining the up-sampled flow from [cur, warped ref, flow]), trained from scratch
  here (no pre-trained SpyNet can be fetched);
* motion: encoder/decoder of 3x3 convolutions with GDN/IGDN (4 stride-2 stages) and a
  factorized entropy model (``EntropyBottleneck``), as in DVC;
* motion compensation: a small U-Net on [warped ref, ref, flow] added to the warp;
* residual: ``compressai.models.ScaleHyperprior`` (Balle 2018) on the residual.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from compressai.entropy_models import EntropyBottleneck
from compressai.layers import GDN
from compressai.models import ScaleHyperprior
from compressai.models.utils import conv, deconv

from .nets import code_factorized, code_gaussian, decode_factorized, decode_gaussian

PAD = 64


def flow_warp(x, flow):
    """Backward-warp x by flow (pixels, channel 0 = dx, 1 = dy), bilinear, border padding."""
    n, _, h, w = x.shape
    gy, gx = torch.meshgrid(torch.arange(h, dtype=x.dtype), torch.arange(w, dtype=x.dtype),
                            indexing="ij")
    gx = (gx[None] + flow[:, 0]) * (2.0 / w) + (1.0 / w - 1.0)
    gy = (gy[None] + flow[:, 1]) * (2.0 / h) + (1.0 / h - 1.0)
    grid = torch.stack((gx, gy), dim=-1)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


class FlowPyramid(nn.Module):
    def __init__(self, levels=4, ch=24):
        super().__init__()
        self.levels = levels
        self.basic = nn.ModuleList(
            nn.Sequential(conv(8, ch, 5, 1), nn.ReLU(inplace=True), conv(ch, ch, 5, 1),
                          nn.ReLU(inplace=True), conv(ch, ch // 2, 5, 1), nn.ReLU(inplace=True),
                          conv(ch // 2, 2, 5, 1))
            for _ in range(levels))

    def forward(self, cur, ref):
        curs, refs = [cur], [ref]
        for _ in range(self.levels - 1):
            curs.append(F.avg_pool2d(curs[-1], 2))
            refs.append(F.avg_pool2d(refs[-1], 2))
        flow = None
        for lv in range(self.levels - 1, -1, -1):
            c, r = curs[lv], refs[lv]
            if flow is None:
                flow = c.new_zeros(c.shape[0], 2, c.shape[2], c.shape[3])
            else:
                flow = F.interpolate(flow, scale_factor=2, mode="bilinear", align_corners=False) * 2.0
            flow = flow + self.basic[lv](torch.cat((c, flow_warp(r, flow), flow), 1))
        return flow


class MCNet(nn.Module):
    def __init__(self, ch=32):
        super().__init__()
        self.c1 = conv(8, ch, 3, 1)
        self.c2 = conv(ch, ch, 3, 1)
        self.c3 = conv(ch, ch, 3, 1)
        self.c4 = conv(ch, ch, 3, 1)
        self.c5 = conv(ch, 3, 3, 1)

    def forward(self, warped, ref, flow):
        a = F.relu(self.c1(torch.cat((warped, ref, flow), 1)))
        b = F.relu(self.c2(F.avg_pool2d(a, 2)))
        b = F.relu(self.c3(b))
        c = F.relu(self.c4(F.interpolate(b, scale_factor=2, mode="nearest") + a))
        return warped + self.c5(c)


class DVC(nn.Module):
    kind = "dvc"
    n_strings = 3  # motion y; residual y, z

    def __init__(self, width=32, latent=None, flow_levels=4, flow_ch=16, mv_ch=None):
        super().__init__()
        self.width, self.latent = width, latent or width * 3 // 2
        self.flow_levels, self.flow_ch, self.mv_ch = flow_levels, flow_ch, mv_ch or width
        C = self.mv_ch
        self.flow = FlowPyramid(flow_levels, flow_ch)
        self.mv_encoder = nn.Sequential(conv(2, C, 3, 2), GDN(C), conv(C, C, 3, 2), GDN(C),
                                        conv(C, C, 3, 2), GDN(C), conv(C, C, 3, 2))
        self.mv_decoder = nn.Sequential(deconv(C, C, 3, 2), GDN(C, inverse=True),
                                        deconv(C, C, 3, 2), GDN(C, inverse=True),
                                        deconv(C, C, 3, 2), GDN(C, inverse=True),
                                        deconv(C, 2, 3, 2))
        self.mv_entropy = EntropyBottleneck(C)
        self.mc = MCNet(width)
        self.residual = ScaleHyperprior(width, self.latent)
        # start training with the prediction = the reference: zero flow estimate and MC
        # correction, near-zero decoded flow (the coded paths keep a random initialisation:
        # zeroing them lets the rate term collapse their latents)
        with torch.no_grad():
            for m in [b[-1] for b in self.flow.basic] + [self.mc.c5]:
                m.weight.zero_()
                m.bias.zero_()
            self.mv_decoder[-1].weight.mul_(0.01)
            self.mv_decoder[-1].bias.zero_()

    def config(self):
        return {"width": self.width, "latent": self.latent, "flow_levels": self.flow_levels,
                "flow_ch": self.flow_ch, "mv_ch": self.mv_ch}

    def forward_p(self, x, ref):
        flow = self.flow(x, ref)
        y_mv_hat, mv_lik = self.mv_entropy(self.mv_encoder(flow))
        flow_hat = self.mv_decoder(y_mv_hat)
        warped = flow_warp(ref, flow_hat)
        pred = self.mc(warped, ref, flow_hat)
        out = self.residual(x - pred)
        x_rec = pred + out["x_hat"]
        extra = {"warp_raw": flow_warp(ref, flow), "warp": warped, "pred": pred}
        return x_rec, [mv_lik, out["likelihoods"]["y"], out["likelihoods"]["z"]], extra

    def _predict(self, ref, y_mv_hat):
        flow_hat = self.mv_decoder(y_mv_hat)
        return self.mc(flow_warp(ref, flow_hat), ref, flow_hat)

    def _res_params(self, z_hat):
        return self.residual.h_s(z_hat)

    @torch.no_grad()
    def encode_p(self, x, ref):
        mv_string, y_mv_hat = code_factorized(self.mv_entropy, self.mv_encoder(self.flow(x, ref)))
        pred = self._predict(ref, y_mv_hat)
        r = self.residual
        y = r.g_a(x - pred)
        z = r.h_a(torch.abs(y))
        z_string, z_hat = code_factorized(r.entropy_bottleneck, z)
        y_string, y_hat = code_gaussian(r.gaussian_conditional, y, self._res_params(z_hat))
        return [mv_string, y_string, z_string], pred + r.g_s(y_hat)

    @torch.no_grad()
    def decode_p(self, strings, ref):
        h, w = ref.shape[-2:]
        y_mv_hat = decode_factorized(self.mv_entropy, strings[0], (h // 16, w // 16))
        pred = self._predict(ref, y_mv_hat)
        r = self.residual
        z_hat = decode_factorized(r.entropy_bottleneck, strings[2], (h // 64, w // 64))
        y_hat = decode_gaussian(r.gaussian_conditional, strings[1], self._res_params(z_hat))
        return pred + r.g_s(y_hat)
