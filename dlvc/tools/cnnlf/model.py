"""The CNN in-loop filter's float model (training only) and its quantisation to the
integer model of infer.py.

The float model works in units where an input sample s is (s - 128) / 128 and an output
residual r (float) is r * 128 samples.  Quantisation-aware training (``qat``) rounds the
weights, biases and activations as the integer model does (straight-through gradients), so
``quantise`` gives an integer model whose output matches the float model's QAT forward up
to the float rounding of its sums.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .infer import EXACT_LIMIT, N_IN, N_IN_INFO, N_OUT, IntModel

E_IN = 7            # input: integer = float * 2^7
E_OUT = 7           # residual: samples = float * 2^7


def _ste_round(x):
    return x + (torch.floor(x + 0.5) - x).detach()


class FloatNet(nn.Module):
    def __init__(self, channels=32, layers=6, n_in=N_IN):
        super().__init__()
        self.n_in = n_in             # 7, or 8 with the coding-information plane
        ch = [n_in] + [channels] * (layers - 1) + [N_OUT]
        self.convs = nn.ModuleList(nn.Conv2d(ch[i], ch[i + 1], 3, padding=1) for i in range(layers))
        for conv in self.convs[:-1]:      # He init: torch's default shrinks the signal layer by layer
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")   # and nothing is learnt
            nn.init.zeros_(conv.bias)
        nn.init.zeros_(self.convs[-1].weight)
        nn.init.zeros_(self.convs[-1].bias)
        self.act_exp = None          # per hidden layer activation exponents e_l (QAT)

    def weight_exps(self, i):
        """Per-output-channel weight exponents q_c of layer i (as quantise chooses them)."""
        w = self.convs[i].weight.detach()
        m = w.abs().reshape(w.shape[0], -1).amax(1).clamp_min(1e-8)
        q = torch.floor(torch.log2(127.0 / m)).clamp(-8, 14)
        e_in = E_IN if i == 0 else self.act_exp[i - 1]
        e_out = E_OUT if i == len(self.convs) - 1 else self.act_exp[i]
        return torch.maximum(q, torch.full_like(q, 1 + e_out - e_in))

    def forward(self, x, qat=False):
        last = len(self.convs) - 1
        for i, conv in enumerate(self.convs):
            w, b = conv.weight, conv.bias
            if qat:
                q = self.weight_exps(i)
                e_in = E_IN if i == 0 else self.act_exp[i - 1]
                sw = (2.0 ** q).view(-1, 1, 1, 1)
                w = torch.clamp(_ste_round(w * sw), -127, 127) / sw
                sb = 2.0 ** (q + e_in)
                b = _ste_round(b * sb) / sb
            x = nn.functional.conv2d(x, w, b, padding=1)
            if i < last:
                x = torch.relu(x)
                if qat:
                    se = 2.0 ** self.act_exp[i]
                    x = torch.clamp(_ste_round(x * se), 0, 255) / se
        return x

    @torch.no_grad()
    def calibrate(self, x, pct=0.9999):
        """Activation exponents e_l from a calibration batch: the largest e with
        2^e * (pct quantile of the activations) <= 255."""
        exps = []
        last = len(self.convs) - 1
        for i, conv in enumerate(self.convs[:last]):
            x = torch.relu(conv(x))
            flat = x.flatten()
            if flat.numel() > 1_000_000:
                flat = flat[torch.randperm(flat.numel())[:1_000_000]]
            m = float(torch.quantile(flat, pct)) if flat.numel() else 1.0
            exps.append(int(min(max(math.floor(math.log2(255.0 / max(m, 1e-6))), 0), 14)))
        self.act_exp = exps
        return exps


def quantise(net: FloatNet) -> IntModel:
    """The integer model of a (QAT-calibrated) float model."""
    assert net.act_exp is not None, "calibrate first"
    ws, bs, ss = [], [], []
    last = len(net.convs) - 1
    for i, conv in enumerate(net.convs):
        q = net.weight_exps(i).double().cpu()
        e_in = E_IN if i == 0 else net.act_exp[i - 1]
        e_out = E_OUT if i == last else net.act_exp[i]
        w = conv.weight.detach().double().cpu()
        wi = torch.clamp(torch.floor(w * (2.0 ** q).view(-1, 1, 1, 1) + 0.5), -127, 127)
        s = (q + e_in - e_out).long()
        bi = torch.floor(conv.bias.detach().double().cpu() * 2.0 ** (q + e_in) + 0.5) + 2.0 ** (s.double() - 1)
        amax = 128 if i == 0 else 255
        bound = wi.abs().reshape(wi.shape[0], -1).sum(1) * amax
        bi = torch.clamp(bi, -(EXACT_LIMIT - 1 - bound), EXACT_LIMIT - 1 - bound)
        ws.append(wi.numpy().astype(np.int8))
        bs.append(bi.numpy().astype(np.int64))
        ss.append(s.numpy().astype(np.int64))
    return IntModel(ws, bs, ss)


def from_int(model: IntModel, hidden_exp=E_IN) -> FloatNet:
    """A float model computing what an integer model does (up to its roundings), to go on
    training from shipped weights.  Hidden activations are taken as a / 2^hidden_exp (any
    exponent gives the same function: ReLU commutes with positive scales), so layer l's
    float weights are W * 2^(e_in - S - e_out) and its biases (B - 2^(S-1)) / 2^(S + e_out).
    Calibrate (or set ``act_exp``) before quantisation-aware training."""
    channels = model.weights[0].shape[0]
    net = FloatNet(channels, model.layers, model.n_in)
    last = model.layers - 1
    with torch.no_grad():
        for i, (conv, w, b, s) in enumerate(zip(net.convs, model.weights, model.biases, model.shifts)):
            e_in = E_IN if i == 0 else hidden_exp
            e_out = E_OUT if i == last else hidden_exp
            s = torch.from_numpy(s.astype(np.float64))
            conv.weight.copy_(torch.from_numpy(w.astype(np.float64)) * (2.0 ** (e_in - s - e_out)).view(-1, 1, 1, 1))
            conv.bias.copy_((torch.from_numpy(b.astype(np.float64)) - 2.0 ** (s - 1)) / 2.0 ** (s + e_out))
    return net


def with_coding_info(net: FloatNet) -> FloatNet:
    """The same function as ``net`` (a 7-input model) taking the coding-information plane as
    an 8th input, with zero weights on it: training starts from what ``net`` does."""
    wide = FloatNet(net.convs[0].out_channels, len(net.convs), N_IN_INFO)
    with torch.no_grad():
        wide.load_state_dict({k: v for k, v in net.state_dict().items() if k != "convs.0.weight"}, strict=False)
        wide.convs[0].weight.zero_()
        wide.convs[0].weight[:, :N_IN] = net.convs[0].weight
    wide.act_exp = net.act_exp
    return wide.to(net.convs[0].weight.device)


def deepened(net: FloatNet, layers: int) -> FloatNet:
    """The same function as ``net`` with ``layers`` layers: hidden layers that pass their input
    through (3x3 kernels with only the centre tap, 1 from a channel to itself, zero biases)
    go in before the output layer.  Their input is a ReLU's output, so the ReLU after them
    changes nothing: training a deeper network starts from what the shallower one does."""
    old = len(net.convs)
    if old < 2 or layers < old:
        raise ValueError(f"cannot make a {old}-layer CNN filter {layers} layers deep")
    channels = net.convs[0].out_channels
    deep = FloatNet(channels, layers, net.n_in)
    with torch.no_grad():
        for i in range(old - 1):
            deep.convs[i].load_state_dict(net.convs[i].state_dict())
        for conv in deep.convs[old - 1:layers - 1]:
            conv.weight.zero_()
            conv.bias.zero_()
            conv.weight[:, :, 1, 1] = torch.eye(channels)
        deep.convs[-1].load_state_dict(net.convs[-1].state_dict())
    if net.act_exp is not None:                  # the added layers' activations are the last hidden one's
        deep.act_exp = net.act_exp + net.act_exp[-1:] * (layers - old)
    return deep.to(net.convs[0].weight.device)
