"""PyTorch (CPU) training and inference throughput of the convolutional model zoo, the peer of
`dist-train bench --model M` (same network, input shape, loss and optimizer).
Usage: python torch_conv_zoo_bench.py --model cnn1d|cnn1d-twin|resnet|se-resnet34|resnet34|resnet18 [--threads N]
                                 [--batch B] [--steps S] [--length L] [--precision fp32|bf16]
The networks are Tests/ECGNetsTests/Fixtures/torch_reference.py's, the ones the PyTorch traces check dist-train
against, at the widths of `--model`'s preset (ModelConfiguration.named): cnn1d and cnn1d-twin take 1 lead and 4
classes, the ResNets 12 leads and 27 classes (dropout 0.2). As `dist-train bench`: random input, random multi-hot
targets, BCE-with-logits, Adam (lr 1e-3, weight decay 1e-5), one warm-up step, then --steps timed steps; then eval-mode
forward passes. --precision bf16 runs under torch.autocast('cpu', dtype=torch.bfloat16)."""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ECGNetsTests", "Fixtures"))
from torch_reference import CNN1D, ResNet1D  # noqa: E402

STEM = {"kernel": 15, "stride": 2, "padding": 7}


def resnet(layers, widths, se=None):
    return ("resnet", {"layers": layers, "widths": widths, "leads": 12, "classes": 27, "stem": STEM, "block_kernel": 7,
                       "se": se, "dropout": 0.2})


PRESETS = {
    "cnn1d": ("cnn", {"leads": 1, "classes": 4, "widths": [8, 16, 32, 64], "kernel": 5, "branches": 1}),
    "cnn1d-twin": ("cnn", {"leads": 1, "classes": 4, "widths": [8, 16, 32, 64], "kernel": 5, "branches": 2}),
    "resnet": resnet([2, 2, 2], [32, 64, 128]),
    "resnet18": resnet([2, 2, 2, 2], [64, 128, 256, 512]),
    "resnet34": resnet([3, 4, 6, 3], [64, 128, 256, 512]),
    "se-resnet34": resnet([3, 4, 6, 3], [64, 128, 256, 512], se=16),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=sorted(PRESETS), default="cnn1d")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--length", type=int, default=5000)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    kind, config = PRESETS[a.model]
    m = (CNN1D if kind == "cnn" else ResNet1D)(config)
    print(a.model, "params", sum(q.numel() for q in m.parameters()))
    opt = torch.optim.Adam(m.parameters(), 1e-3, weight_decay=1e-5)
    lossf = nn.BCEWithLogitsLoss()
    x = torch.randn(a.batch, config["leads"], a.length)
    y = (torch.rand(a.batch, config["classes"]) < 0.1).float()
    measure(m, opt, lossf, x, y, a)


def measure(m, opt, lossf, x, y, a):
    """Times `a.steps` training steps (forward, loss, backward, optimizer) after one warm-up, then `a.steps`
    evaluation-mode forwards, and prints both as samples/s (the lines `dist-train bench` prints). Shared with
    torch_zoo_bench.py."""
    cast = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.precision == "bf16")  # noqa: E731

    def step():
        opt.zero_grad()
        with cast():
            loss = lossf(m(x).float(), y)
        loss.backward()
        opt.step()

    step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    dt = time.perf_counter() - t
    print(f"train samples/s {a.batch * a.steps / dt:.2f}  (step {dt / a.steps * 1000:.0f} ms, threads {a.threads}, "
          f"batch {a.batch}, length {a.length}, {a.precision})")
    m.eval()
    with torch.no_grad(), cast():
        m(x)
        t = time.perf_counter()
        for _ in range(a.steps):
            m(x)
        dt = time.perf_counter() - t
    print(f"infer samples/s {a.batch * a.steps / dt:.2f}")


if __name__ == "__main__":
    main()
