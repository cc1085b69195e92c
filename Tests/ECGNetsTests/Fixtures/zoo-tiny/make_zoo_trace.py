"""PyTorch traces of the recurrent and attention half of the model zoo at tiny widths, for PyTorchZooTests.

Per network (`gru-mha.json`, `lstm-mha.json`, `cnn-mhsa-gelu.json`, `cnn-mhsa-leaky-relu.json`): the configuration, input, targets, PyTorch's initial state_dict
(seeded, PyTorch's own initialisation) and its key order, then the trace of torch_reference.trace (logits,
cross-entropy loss, every gradient, the state after 3 Adam steps and the eval logits) computed twice from that
same state: "float32" (what PyTorch computes) and "float64" (the exact values both float32 implementations are
judged against, as resnet1d-tiny/float64-trace.json); cnn-mhsa's also has its BatchNorm running statistics after
the first forward (`num_batches_tracked` is left out: dist-train has no such buffer). Dropout is 0 so the trace is
deterministic.
Per layer (`gru-layer.json`, `lstm-layer.json`, `mha-layer.json`): nn.GRU / nn.LSTM with 2 layers and
nn.MultiheadAttention alone on a random [N, T, C] input; "logits" holds the output, the loss is sum(output * r)
for the fixed random `targets` r, and the trace has every parameter gradient and the input gradient.
Run: /work/torchenv/bin/python make_zoo_trace.py  (in this folder; torch >= 2, CPU).
"""
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from torch_reference import dump, tensor, trace  # noqa: E402

ADAM = {"adam": (torch.optim.Adam, {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-5})}


class RecurrentAttention(nn.Module):
    """gru-mha / lstm-mha (Sources/ECGNets/Models/RecurrentAttention.swift): framing, GRU or LSTM, self-attention,
    mean over time, linear."""

    def __init__(self, cell, c):
        super().__init__()
        self.cell, self.frame = cell, c["frame"]
        rnn = {"gru": nn.GRU, "lstm": nn.LSTM}[cell]
        setattr(self, cell, rnn(c["frame"] * c["leads"], c["hidden"], c["layers"], batch_first=True, dropout=c["dropout"]))
        self.attention = nn.MultiheadAttention(c["hidden"], c["heads"], dropout=c["attentionDropout"], batch_first=True)
        self.fc = nn.Linear(c["hidden"], c["classes"])

    def forward(self, x):
        n, leads, length = x.shape
        steps = length // self.frame
        h = x[..., :steps * self.frame].transpose(1, 2).reshape(n, steps, self.frame * leads)
        h, _ = getattr(self, self.cell)(h)
        a, _ = self.attention(h, h, h, need_weights=False)
        return self.fc(a.mean(1))


class CNNSelfAttention(nn.Module):
    """cnn-mhsa (Sources/ECGNets/Models/CNNSelfAttention.swift): Conv1d(k3, p1)-BatchNorm-ReLU blocks with a
    max-pool after every second, self-attention with a residual sum and LayerNorm, mean over time, dense layers,
    linear."""

    def __init__(self, c):
        super().__init__()
        blocks, cin = [], c["leads"]
        for width in c["widths"]:
            blocks.append(nn.Sequential(nn.Conv1d(cin, width, 3, padding=1, bias=False), nn.BatchNorm1d(width), nn.ReLU()))
            cin = width
        self.blocks = nn.ModuleList(blocks)
        self.attention = nn.MultiheadAttention(cin, c["heads"], dropout=c["attentionDropout"], batch_first=True)
        self.norm = nn.LayerNorm(cin)
        dense = []
        for width in c["dense"]:
            dense.append(nn.Linear(cin, width))
            cin = width
        self.dense = nn.ModuleList(dense)
        self.activation = {"relu": nn.ReLU(), "gelu": nn.GELU(), "leaky-relu": nn.LeakyReLU(0.01)}[c["activation"]]
        self.dropout = nn.Dropout(c["dropout"])
        self.fc = nn.Linear(cin, c["classes"])

    def forward(self, x):
        for index, block in enumerate(self.blocks):
            x = block(x)
            if index % 2 == 1:
                x = nn.functional.max_pool1d(x, 2)
        h = x.transpose(1, 2)
        h = self.norm(h + self.attention(h, h, h, need_weights=False)[0])
        f = h.mean(1)
        for layer in self.dense:
            f = self.dropout(self.activation(layer(f)))
        return self.fc(f)


class SelfAttention(nn.Module):
    """nn.MultiheadAttention called as self-attention, under the name the networks give it."""

    def __init__(self, embedding, heads):
        super().__init__()
        self.attention = nn.MultiheadAttention(embedding, heads, batch_first=True)

    def forward(self, x):
        return self.attention(x, x, x, need_weights=False)[0]


class Stack(nn.Module):
    """nn.GRU / nn.LSTM returning its output sequence only."""

    def __init__(self, cell, inputs, hidden, layers):
        super().__init__()
        self.cell = cell
        setattr(self, cell, {"gru": nn.GRU, "lstm": nn.LSTM}[cell](inputs, hidden, layers, batch_first=True))

    def forward(self, x):
        return getattr(self, self.cell)(x)[0]


def record(make, x, y, loss_fn, optimizers, config, path, input_gradient=False):
    """Writes the float32 and float64 traces of `make()` from one initial state to `path`."""
    torch.manual_seed(0)
    initial = {k: v for k, v in make().state_dict().items() if not k.endswith("num_batches_tracked")}
    out = {"torch_version": torch.__version__, "config": config, "input": dump(x), "targets": dump(y),
           "state_dict_order": list(initial.keys()), "initial_state": {k: dump(v) for k, v in initial.items()}}
    for name, dtype in (("float32", torch.float32), ("float64", torch.float64)):
        def fresh():
            model = make().to(dtype)
            model.load_state_dict({k: v.to(dtype) for k, v in initial.items()}, strict=False)
            return model.train()
        xd = x.detach().clone().to(dtype)
        yd = y if y.dtype == torch.long else y.to(dtype)
        result = trace(fresh, xd, yd, loss_fn, optimizers)
        if input_gradient:
            model = fresh()
            xg = x.detach().clone().to(dtype).requires_grad_(True)
            loss_fn(model(xg), yd).backward()
            result["input_gradient"] = dump(xg.grad)
        out[name] = result
    json.dump(out, open(path, "w"))


def main():
    generator = torch.Generator().manual_seed(1)
    for cell in ("gru", "lstm"):
        config = {"leads": 1, "classes": 4, "frame": 4, "hidden": 8, "layers": 2, "heads": 2, "dropout": 0.0,
                  "attentionDropout": 0.0}
        x = torch.randn(3, 1, 50, generator=generator)  # 12 steps of 4 samples; the last 2 samples are cut
        y = torch.tensor([2, 0, 3])
        record(lambda: RecurrentAttention(cell, config), x, y, nn.CrossEntropyLoss(), ADAM, config, f"{cell}-mha.json")
    for activation in ("gelu", "leaky-relu"):
        config = {"leads": 1, "classes": 4, "widths": [4, 4, 8, 8], "heads": 2, "attentionDropout": 0.0, "dense": [6],
                  "activation": activation, "dropout": 0.0}
        x = torch.randn(3, 1, 64, generator=generator)  # two max-pools: attention over 16 steps
        y = torch.tensor([1, 3, 0])
        record(lambda: CNNSelfAttention(config), x, y, nn.CrossEntropyLoss(), ADAM, config, f"cnn-mhsa-{activation}.json")
    weighted = lambda out, r: (out * r).sum()  # noqa: E731
    for cell in ("gru", "lstm"):
        config = {"cell": cell, "inputs": 3, "hidden": 5, "layers": 2}
        x, r = torch.randn(2, 6, 3, generator=generator), torch.randn(2, 6, 5, generator=generator)
        record(lambda: Stack(cell, 3, 5, 2), x, r, weighted, {}, config, f"{cell}-layer.json", input_gradient=True)
    config = {"embedding": 6, "heads": 2}
    x, r = torch.randn(2, 7, 6, generator=generator), torch.randn(2, 7, 6, generator=generator)
    record(lambda: SelfAttention(6, 2), x, r, weighted, {}, config, "mha-layer.json", input_gradient=True)


if __name__ == "__main__":
    main()
