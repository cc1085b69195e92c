"""Recomputes the resnet1d-tiny reference (reference.json) in Float64 with PyTorch, from the same initial
state, input and hyper-parameters, and writes float64-trace.json with the same keys.

Why: the Float32 trace carries PyTorch's own rounding; the Float64 trace is the exact value to judge both
implementations against. Run: python3 -m venv torchenv && torchenv/bin/pip install torch numpy &&
torchenv/bin/python make_float64_trace.py  (in this folder). The network and the trace are ../torch_reference.py's.
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_reference import ResNet1D, dump, tensor, trace  # noqa: E402  (the shared machinery)

reference = json.load(open("reference.json"))
config = reference["config"]
OPTIMIZERS = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}


class Net(ResNet1D):
    """The reference network of reference.json's config."""

    def __init__(self):
        super().__init__(config)


def fresh():
    model = Net()
    model.load_state_dict({k: tensor(v) for k, v in reference["initial_state"].items()})
    return model.train()


def optimizers(dropped=("differentiable", "capturable", "decoupled_weight_decay")):
    """reference.json's optimizers and hyper-parameters, less the keys the constructors do not take."""
    return {name: (kind, {k: v for k, v in reference[name]["hyper"].items() if k not in dropped})
            for name, kind in OPTIMIZERS.items()}


def main():
    """Writes float64-trace.json (make_float32_spread.py imports the network without running this)."""
    x, y = tensor(reference["input"]), tensor(reference["targets"])
    json.dump(trace(fresh, x, y, nn.BCEWithLogitsLoss(), optimizers()), open("float64-trace.json", "w"))


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    main()
