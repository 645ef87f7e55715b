"""I-frames: CompressAI's mean-scale hyperprior image model (Minnen et al. 2018,
``compressai.models.MeanScaleHyperprior``) at a narrow width, trained here on
../shared/training.  Used by both SSF and DVC for every intra picture.

(dlvc's own HEVC intra coding is not used: the learned bitstream would have to embed
an HEVC stream per I-frame; see README.md.)
"""
import torch
from compressai.models import MeanScaleHyperprior

from .nets import code_factorized, code_gaussian, decode_factorized, decode_gaussian

PAD = 64  # g_a /16, h_a /4
# The model codes x - 0.5 (centred samples; it trains faster from scratch).


class IFrame(torch.nn.Module):
    kind = "iframe"
    n_strings = 2

    def __init__(self, width=32, latent=None):
        super().__init__()
        self.width, self.latent = width, latent or width * 3 // 2
        self.net = MeanScaleHyperprior(self.width, self.latent)

    def config(self):
        return {"width": self.width, "latent": self.latent}

    # training: (x_hat, list of likelihood tensors)
    def forward(self, x):
        out = self.net(x - 0.5)
        return out["x_hat"] + 0.5, [out["likelihoods"]["y"], out["likelihoods"]["z"]]

    def _synth(self, z_hat, y_string=None, y=None):
        n = self.net
        scales, means = n.h_s(z_hat).chunk(2, 1)
        if y is not None:
            y_string, y_hat = code_gaussian(n.gaussian_conditional, y, scales, means)
        else:
            y_hat = decode_gaussian(n.gaussian_conditional, y_string, scales, means)
        return y_string, n.g_s(y_hat) + 0.5

    @torch.no_grad()
    def encode(self, x):
        """x: (1,3,H,W), H and W multiples of PAD -> ([y_string, z_string], x_hat)."""
        n = self.net
        y = n.g_a(x - 0.5)
        z = n.h_a(y)
        z_string, z_hat = code_factorized(n.entropy_bottleneck, z)
        y_string, x_hat = self._synth(z_hat, y=y)
        return [y_string, z_string], x_hat

    @torch.no_grad()
    def decode(self, strings, hw):
        h, w = hw
        z_hat = decode_factorized(self.net.entropy_bottleneck, strings[1], (h // 64, w // 64))
        return self._synth(z_hat, y_string=strings[0])[1]
