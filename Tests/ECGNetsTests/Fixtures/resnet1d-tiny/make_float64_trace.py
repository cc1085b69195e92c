"""Recomputes the resnet1d-tiny reference (reference.json) in Float64 with PyTorch, from the same initial
state, input and hyper-parameters, and writes float64-trace.json with the same keys.

Why: the Float32 trace carries PyTorch's own rounding; the Float64 trace is the exact value to judge both
implementations against. Run: python3 -m venv torchenv && torchenv/bin/pip install torch numpy &&
torchenv/bin/python make_float64_trace.py  (in this folder).
"""
import json
import os
import sys
import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_trace import dump, tensor, trace  # noqa: E402  (shared with the other fixtures' generators)

reference = json.load(open("reference.json"))
config = reference["config"]


class Block(nn.Module):
    """BasicBlock with the attribute names of the reference state_dict."""

    def __init__(self, cin, cout, stride, kernel):
        super().__init__()
        self.c1 = nn.Conv1d(cin, cout, kernel, stride, kernel // 2, bias=False)
        self.b1 = nn.BatchNorm1d(cout)
        self.c2 = nn.Conv1d(cout, cout, kernel, 1, kernel // 2, bias=False)
        self.b2 = nn.BatchNorm1d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv1d(cin, cout, 1, stride, bias=False), nn.BatchNorm1d(cout))

    def forward(self, x):
        out = self.b2(self.c2(torch.relu(self.b1(self.c1(x)))))  # dropout is 0 in this trace
        return torch.relu(out + (x if self.down is None else self.down(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        w, stem = config["widths"], config["stem"]
        self.stem = nn.Sequential(nn.Conv1d(config["leads"], w[0], stem["kernel"], stem["stride"], stem["padding"], bias=False),
                                  nn.BatchNorm1d(w[0]), nn.ReLU(), nn.MaxPool1d(3, 2, 1))
        blocks, cin = [], w[0]
        for stage, (count, width) in enumerate(zip(config["layers"], w)):
            for index in range(count):
                blocks.append(Block(cin, width, 2 if index == 0 and stage > 0 else 1, config["block_kernel"]))
                cin = width
        self.body = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, config["classes"])

    def forward(self, x):
        return self.fc(self.body(self.stem(x)).mean(-1))


def fresh():
    model = Net()
    model.load_state_dict({k: tensor(v) for k, v in reference["initial_state"].items()})
    return model.train()


def main():
    """Writes float64-trace.json (make_float32_spread.py imports the network without running this)."""
    x, y = tensor(reference["input"]), tensor(reference["targets"])
    optimizers = {name: ({"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name],
                         {k: v for k, v in reference[name]["hyper"].items()
                          if k not in ("differentiable", "capturable", "decoupled_weight_decay")})
                  for name in ("adam", "adamw", "sgd")}
    json.dump(trace(fresh, x, y, nn.BCEWithLogitsLoss(), optimizers), open("float64-trace.json", "w"))


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    main()
