"""Scale-Space Flow (Agustsson et al., CVPR 2020) on CompressAI's implementation.

``NarrowSSF`` *is* ``compressai.models.video.ScaleSpaceFlow``: it inherits
``forward_inter``, ``forward_prediction``, ``gaussian_volume`` and ``warp_volume``
unchanged and only rebuilds the sub-networks with a channel width parameter
(CompressAI fixes them at 128/192, 34.2 M parameters).  The sub-networks are the
same layer sequences as CompressAI's nested Encoder/Decoder/HyperEncoder/
HyperDecoder(WithQReLU) classes, which cannot be reached from outside its
``__init__``.  SSF's own key-frame branch is dropped: I-frames use ``iframe.IFrame``.

Coding differs from CompressAI's ``encode_inter`` in two ways: every latent the
encoder uses is the one decoded from its own strings (encoder recon == decoder
output), and y is zero-padded to a multiple of 8 before the hyper-encoder (and
mean/scale cropped back), so frames need padding only to a multiple of 64.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from compressai.entropy_models import EntropyBottleneck, GaussianConditional
from compressai.layers import QReLU
from compressai.models.base import CompressionModel
from compressai.models.utils import conv, deconv
from compressai.models.video import ScaleSpaceFlow
from compressai.ops import quantize_ste

from .nets import code_factorized, code_gaussian, decode_factorized, decode_gaussian

PAD = 64


def _encoder(cin, mid, out):
    return nn.Sequential(conv(cin, mid, 5, 2), nn.ReLU(inplace=True), conv(mid, mid, 5, 2),
                         nn.ReLU(inplace=True), conv(mid, mid, 5, 2), nn.ReLU(inplace=True),
                         conv(mid, out, 5, 2))


def _decoder(out, cin, mid):
    return nn.Sequential(deconv(cin, mid, 5, 2), nn.ReLU(inplace=True), deconv(mid, mid, 5, 2),
                         nn.ReLU(inplace=True), deconv(mid, mid, 5, 2), nn.ReLU(inplace=True),
                         deconv(mid, out, 5, 2))


class _QReLUDecoder(nn.Module):
    def __init__(self, cin, mid, out):
        super().__init__()
        self.deconv1 = deconv(cin, mid, 5, 2)
        self.deconv2 = deconv(mid, mid, 5, 2)
        self.deconv3 = deconv(mid, out, 5, 2)

    def forward(self, x):
        q = lambda t: QReLU.apply(t, 8, 100)  # noqa: E731
        return q(self.deconv3(q(self.deconv2(q(self.deconv1(x))))))


class Hyperprior(nn.Module):
    """SSF's mean-scale hyperprior (z: factorized, y: Gaussian with mean and scale)."""

    def __init__(self, planes, mid):
        super().__init__()
        self.entropy_bottleneck = EntropyBottleneck(mid)
        self.hyper_encoder = nn.Sequential(conv(planes, mid, 5, 2), nn.ReLU(inplace=True),
                                           conv(mid, mid, 5, 2), nn.ReLU(inplace=True),
                                           conv(mid, mid, 5, 2))
        self.hyper_decoder_mean = nn.Sequential(deconv(mid, mid, 5, 2), nn.ReLU(inplace=True),
                                                deconv(mid, mid, 5, 2), nn.ReLU(inplace=True),
                                                deconv(mid, planes, 5, 2))
        self.hyper_decoder_scale = _QReLUDecoder(mid, mid, planes)
        self.gaussian_conditional = GaussianConditional(None)

    def _params(self, z_hat, hw):
        h, w = hw
        return (self.hyper_decoder_scale(z_hat)[..., :h, :w],
                self.hyper_decoder_mean(z_hat)[..., :h, :w])

    @staticmethod
    def _padded(y):
        h, w = y.shape[-2:]
        return F.pad(y, (0, -w % 8, 0, -h % 8))

    def forward(self, y):
        z = self.hyper_encoder(self._padded(y))
        z_hat, z_lik = self.entropy_bottleneck(z)
        scales, means = self._params(z_hat, y.shape[-2:])
        _, y_lik = self.gaussian_conditional(y, scales, means)
        y_hat = quantize_ste(y - means) + means
        return y_hat, {"y": y_lik, "z": z_lik}

    def code(self, y):
        z = self.hyper_encoder(self._padded(y))
        z_string, z_hat = code_factorized(self.entropy_bottleneck, z)
        scales, means = self._params(z_hat, y.shape[-2:])
        y_string, y_hat = code_gaussian(self.gaussian_conditional, y, scales, means)
        return [y_string, z_string], y_hat

    def decode(self, strings, hw):
        h, w = hw
        z_hat = decode_factorized(self.entropy_bottleneck, strings[1], (-(-h // 8), -(-w // 8)))
        scales, means = self._params(z_hat, hw)
        return decode_gaussian(self.gaussian_conditional, strings[0], scales, means)


class NarrowSSF(ScaleSpaceFlow):
    kind = "ssf"
    n_strings = 4  # motion y, z; residual y, z

    def __init__(self, width=32, hyper=16, latent=None, num_levels=5, sigma0=1.5,
                 scale_field_shift=1.0):
        CompressionModel.__init__(self)
        self.width, self.hyper, self.latent = width, hyper, latent or width * 3 // 2
        M = self.latent
        self.res_encoder = _encoder(3, width, M)
        self.res_decoder = _decoder(3, 2 * M, width)
        self.res_hyperprior = Hyperprior(M, hyper)
        self.motion_encoder = _encoder(2 * 3, width, M)
        self.motion_decoder = _decoder(2 + 1, M, width)
        self.motion_hyperprior = Hyperprior(M, hyper)
        self.sigma0 = sigma0
        self.num_levels = num_levels
        self.scale_field_shift = scale_field_shift
        self._init_as_copy()

    def _init_as_copy(self):
        """Start training with the prediction = the reference: near-zero flow and the
        sharpest scale (-1 in grid_sample's depth coordinate).  The residual path keeps
        its random initialisation (zeroing it lets the rate term collapse its latent)."""
        with torch.no_grad():
            last = self.motion_decoder[-1]
            last.weight.mul_(0.01)
            last.bias.copy_(torch.tensor([0.0, 0.0, -1.0]))

    def config(self):
        return {"width": self.width, "hyper": self.hyper, "latent": self.latent,
                "num_levels": self.num_levels, "sigma0": self.sigma0}

    # training: (x_rec, list of likelihoods, extra losses)
    def forward_p(self, x, ref):
        x_rec, lik = self.forward_inter(x, ref)
        return x_rec, [lik["motion"]["y"], lik["motion"]["z"],
                       lik["residual"]["y"], lik["residual"]["z"]], {}

    def _reconstruct(self, ref, y_motion_hat, y_res_hat=None):
        x_pred = self.forward_prediction(ref, self.motion_decoder(y_motion_hat))
        if y_res_hat is None:
            return x_pred
        return x_pred + self.res_decoder(torch.cat((y_res_hat, y_motion_hat), dim=1))

    @torch.no_grad()
    def encode_p(self, x, ref):
        m_strings, y_motion_hat = self.motion_hyperprior.code(
            self.motion_encoder(torch.cat((x, ref), dim=1)))
        x_pred = self._reconstruct(ref, y_motion_hat)
        r_strings, y_res_hat = self.res_hyperprior.code(self.res_encoder(x - x_pred))
        x_rec = x_pred + self.res_decoder(torch.cat((y_res_hat, y_motion_hat), dim=1))
        return m_strings + r_strings, x_rec

    @torch.no_grad()
    def decode_p(self, strings, ref):
        hw = (ref.shape[-2] // 16, ref.shape[-1] // 16)
        y_motion_hat = self.motion_hyperprior.decode(strings[0:2], hw)
        x_pred = self._reconstruct(ref, y_motion_hat)
        y_res_hat = self.res_hyperprior.decode(strings[2:4], hw)
        return x_pred + self.res_decoder(torch.cat((y_res_hat, y_motion_hat), dim=1))
