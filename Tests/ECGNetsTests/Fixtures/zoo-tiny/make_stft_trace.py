"""PyTorch traces of the spectrogram half of the model zoo at tiny sizes, for PyTorchZooTests.

Per network (`stft-cnn-gru.json`, `stft-cnn-lstm.json`): as make_zoo_trace.py's networks (configuration, input,
targets, PyTorch's seeded initial state_dict and its order, then the Float32 and Float64 traces of
torch_reference.trace from that state: logits, cross-entropy loss, every gradient, BatchNorm running statistics, the
state after 3 Adam steps, eval logits). Dropout is 0 so the trace is deterministic.
Per layer, each on channels-last tensors as dist-train holds them ("logits" is the output; the loss is
sum(output * r) for the fixed random `targets` r; every parameter gradient and the input gradient):
`conv2d-layer.json` (nn.Conv2d(3, 4, 3, padding=1)), `batchnorm2d-layer.json` (nn.BatchNorm2d(3), training mode),
`maxpool2d-layer.json` (nn.MaxPool2d(2) on odd sizes), `spectrogram-layer.json` (torch.stft magnitude with log1p)
and `spectrogram-linear-layer.json` (without log1p, hop not dividing the length).
Run: /work/torchenv/bin/python make_stft_trace.py  (in this folder; torch >= 2, CPU).
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from make_zoo_trace import ADAM, record  # noqa: E402
from torch_reference import dump  # noqa: E402


def spectrogram(x, n_fft, hop, log):
    """|torch.stft| (Hann window, center=True, reflect padding) of each lead of [N, leads, L]: [N, leads, F, T]."""
    n, leads, length = x.shape
    window = torch.hann_window(n_fft, dtype=x.dtype)
    s = torch.stft(x.reshape(n * leads, length), n_fft, hop, window=window, center=True, pad_mode="reflect",
                   return_complex=True).abs()
    s = s.log1p() if log else s
    return s.reshape(n, leads, s.shape[-2], s.shape[-1])


class SpectrogramRecurrent(nn.Module):
    """stft-cnn-gru / stft-cnn-lstm (Sources/ECGNets/Models/SpectrogramRecurrent.swift): |STFT| (log1p), blocks of
    Conv2d(k3, p1) (-BatchNorm2d) -ReLU-MaxPool2d(2), features per frame, GRU or LSTM, last hidden state, dropout,
    linear."""

    def __init__(self, cell, c):
        super().__init__()
        self.cell, self.n_fft, self.hop, self.log = cell, c["nFFT"], c["hop"], c["logarithmic"]
        blocks, cin = [], c["leads"]
        for width in c["widths"]:
            layers = [nn.Conv2d(cin, width, 3, padding=1)] + ([nn.BatchNorm2d(width)] if c["batchNorm"] else [])
            blocks.append(nn.Sequential(*layers, nn.ReLU(), nn.MaxPool2d(2)))
            cin = width
        self.blocks = nn.Sequential(*blocks)
        bins = c["nFFT"] // 2 + 1
        for _ in c["widths"]:
            bins //= 2
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        setattr(self, cell, rnn(cin * bins, c["hidden"], c["layers"], batch_first=True,
                                dropout=c["dropout"] if c["layers"] > 1 else 0.0))
        self.dropout = nn.Dropout(c["dropout"])
        self.fc = nn.Linear(c["hidden"], c["classes"])

    def forward(self, x):
        h = self.blocks(spectrogram(x, self.n_fft, self.hop, self.log))  # [N, C, F', T']
        h, _ = getattr(self, self.cell)(h.permute(0, 3, 1, 2).flatten(2))
        return self.fc(self.dropout(h[:, -1]))


class ChannelsLast(nn.Module):
    """A 2-D layer on [N, H, W, C], under the name dist-train gives it."""

    def __init__(self, name, layer):
        super().__init__()
        self.name = name
        setattr(self, name, layer)

    def forward(self, x):
        return getattr(self, self.name)(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def record_function(function, x, r, config, path):
    """A layer without parameters: output and input gradient of sum(function(x) * r), in Float32 and Float64."""
    out = {"torch_version": torch.__version__, "config": config, "input": dump(x), "targets": dump(r),
           "state_dict_order": [], "initial_state": {}}
    for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
        xd = x.detach().clone().to(dtype).requires_grad_(True)
        y = function(xd)
        (y * r.to(dtype)).sum().backward()
        out[name] = {"logits": dump(y), "gradients": {}, "input_gradient": dump(xd.grad)}
    json.dump(out, open(path, "w"))


def main():
    generator = torch.Generator().manual_seed(2)
    for cell, batch_norm in (("gru", False), ("lstm", True)):
        config = {"leads": 1, "classes": 4, "nFFT": 16, "hop": 8, "logarithmic": True, "widths": [3, 4],
                  "batchNorm": batch_norm, "hidden": 5, "layers": 1, "dropout": 0.0}
        x = torch.randn(3, 1, 100, generator=generator)  # 9 x 13 bins, 2 x 3 after two pools: 3 frames of 8
        y = torch.tensor([1, 3, 0])
        record(lambda: SpectrogramRecurrent(cell, config), x, y, nn.CrossEntropyLoss(), ADAM, config, f"stft-cnn-{cell}.json")
    weighted = lambda out, r: (out * r).sum()  # noqa: E731
    x, r = torch.randn(2, 5, 6, 3, generator=generator), torch.randn(2, 5, 6, 4, generator=generator)
    record(lambda: ChannelsLast("conv", nn.Conv2d(3, 4, 3, padding=1)), x, r, weighted, {},
           {"in": 3, "out": 4, "kernel": 3, "padding": 1}, "conv2d-layer.json", input_gradient=True)
    x, r = torch.randn(2, 4, 5, 3, generator=generator), torch.randn(2, 4, 5, 3, generator=generator)
    record(lambda: ChannelsLast("norm", nn.BatchNorm2d(3)), x, r, weighted, {}, {"channels": 3}, "batchnorm2d-layer.json",
           input_gradient=True)
    x, r = torch.randn(2, 5, 7, 3, generator=generator), torch.randn(2, 2, 3, 3, generator=generator)
    record_function(lambda t: nn.functional.max_pool2d(t.permute(0, 3, 1, 2), 2).permute(0, 2, 3, 1), x, r, {"kernel": 2},
                    "maxpool2d-layer.json")
    for name, length, hop, log in (("spectrogram", 40, 8, True), ("spectrogram-linear", 45, 6, False)):
        x = torch.randn(2, 2, length, generator=generator)
        frames = 1 + length // hop
        r = torch.randn(2, 9, frames, 2, generator=generator)
        record_function(lambda t: spectrogram(t, 16, hop, log).permute(0, 2, 3, 1), x, r,
                        {"nFFT": 16, "hop": hop, "logarithmic": log}, f"{name}-layer.json")


if __name__ == "__main__":
    main()
