"""PyTorch traces of the convolutional model zoo at tiny widths (issue 12): for each network below, in a folder of
its name, the three files the resnet1d-tiny trace has, made the same way (../torch_reference.py: the networks and the
trace), so PyTorchReferenceTests judges them by the same rule:

- reference.json: PyTorch's Float32 run: config, input, targets, initial_state (PyTorch's own initialisation from
  torch.manual_seed), the state_dict order, logits, loss, every gradient, BatchNorm running statistics after one
  training forward, and the state, losses and eval logits after three torch.optim.Adam steps (the hyper-parameters
  of resnet1d-tiny's Adam: lr 1e-3, weight decay 1e-5);
- float64-trace.json: the same computation in Float64 from the same initial state (the exact values);
- float32-spread.json: per traced tensor, the largest error against float64-trace.json of PyTorch's equally valid
  Float32 variants (convolutions on oneDNN or im2col + GEMM, 1 or 2 threads), as resnet1d-tiny/make_float32_spread.py.

Losses: single-label networks (cnn1d, cnn1d-twin) softmax cross-entropy on class indices, multi-label ones (the
ResNets) BCE-with-logits. Dropout is 0. Run: /work/torchenv/bin/python make_zoo_traces.py  (in this folder).
"""
import itertools
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_reference import CNN1D, ResNet1D, dump, leaves, tensor, trace  # noqa: E402  (the shared machinery)

STEM = {"kernel": 15, "stride": 2, "padding": 7}
NETWORKS = {
    # The published cnn1d itself (widths 8-16-32-64, 5 classes: 14,165 parameters), on 4 x 1 x 256.
    "cnn1d": ("single", CNN1D, {"leads": 1, "classes": 5, "widths": [8, 16, 32, 64], "kernel": 5, "branches": 1}, [4, 1, 256]),
    # Two branches at tiny widths; 203 samples: every max-pool drops a last odd sample (203 -> 101 -> 50 -> 25).
    "cnn1d-twin": ("single", CNN1D, {"leads": 1, "classes": 4, "widths": [4, 8, 8, 16], "kernel": 5, "branches": 2}, [4, 1, 203]),
    # ResNet34 topology with a gate in every block; reduction 4 at these widths (hidden 2, 2, 4, 4: 8 // 16 would be 0).
    "se-resnet34": ("multi", ResNet1D, {"layers": [3, 4, 6, 3], "widths": [8, 8, 16, 16], "leads": 12, "classes": 5,
                                        "stem": STEM, "block_kernel": 7, "se": 4}, [3, 12, 400]),
    # The 3-stage ResNet (2 blocks per stage) at tiny widths.
    "resnet": ("multi", ResNet1D, {"layers": [2, 2, 2], "widths": [4, 8, 16], "leads": 12, "classes": 5,
                                   "stem": STEM, "block_kernel": 7}, [3, 12, 400]),
}
ADAM = {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-08, "weight_decay": 1e-05, "amsgrad": False, "maximize": False}


def make(name, seed):
    kind, network, config, shape = NETWORKS[name]
    torch.manual_seed(seed)
    model = network(config)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    x = torch.randn(*shape)
    y = torch.randint(0, config["classes"], (shape[0],)) if kind == "single" else (torch.rand(shape[0], config["classes"]) < 0.3).float()
    loss_fn = nn.CrossEntropyLoss() if kind == "single" else nn.BCEWithLogitsLoss()

    def run(dtype, foreach=None):
        def fresh():
            m = network(config).to(dtype)
            m.load_state_dict({k: v.to(dtype) for k, v in initial.items()})
            return m.train()
        return trace(fresh, x.to(dtype), y if kind == "single" else y.to(dtype), loss_fn,
                     {"adam": (torch.optim.Adam, ADAM)}, foreach)

    os.makedirs(name, exist_ok=True)
    reference = {"config": config, "loss_kind": kind, "input": dump(x), "targets": dump(y.double()),
                 "initial_state": {k: dump(v) for k, v in initial.items() if "num_batches" not in k},
                 "order": [k for k in initial if "num_batches" not in k],
                 "adam_hyper": ADAM}
    reference.update(run(torch.float32))
    exact = run(torch.float64)
    runs = {}
    for mkldnn, threads, foreach in itertools.product((True, False), (1, 2), (True, False)):
        torch.set_num_threads(threads)
        with torch.backends.mkldnn.flags(enabled=mkldnn):
            runs[f"mkldnn={'on' if mkldnn else 'off'} threads={threads} foreach={'on' if foreach else 'off'}"] = \
                dict(leaves(run(torch.float32, foreach)))
    torch.set_num_threads(2)
    exact_leaves = dict(leaves(exact))
    error = {v: {p: float(np.max(np.abs(run[p] - exact_leaves[p]))) for p in exact_leaves} for v, run in runs.items()}
    spread = {p: max(error[v][p] for v in runs) for p in exact_leaves}
    json.dump(reference, open(f"{name}/reference.json", "w"))
    json.dump(exact, open(f"{name}/float64-trace.json", "w"))
    json.dump({"source": "make_zoo_traces.py, PyTorch " + torch.__version__ + " CPU, Float32; errors against float64-trace.json",
               "variants": list(runs), "max_error": spread}, open(f"{name}/float32-spread.json", "w"), indent=0)
    print(name, "parameters", sum(p.numel() for p in model.parameters()), "loss", reference["loss"], flush=True)


if __name__ == "__main__":
    for name in sys.argv[1:] or NETWORKS:
        make(name, seed=list(NETWORKS).index(name))
