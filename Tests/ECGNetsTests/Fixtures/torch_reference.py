"""The machinery every PyTorch fixture generator here shares: the reference networks, written once with the
state_dict names dist-train uses (a 1-D ResNet of BasicBlocks with an optional squeeze-and-excitation gate, and the
small 1-D CNN with one or more branches), tensors to and from the fixtures' {shape, data} JSON, and the trace of one
network (training forward, loss, every gradient, BatchNorm running statistics, three steps of each optimizer, eval
logits). Imported by resnet1d-tiny/make_float64_trace.py (and through it make_float32_spread.py and
make_bfloat16_trace.py), zoo-tiny/make_zoo_traces.py (the convolutional zoo) and zoo-tiny/make_zoo_trace.py (the
recurrent and attention zoo, whose networks are defined there).
"""
import numpy as np
import torch
import torch.nn as nn


def tensor(entry, dtype=None):
    return torch.tensor(entry["data"], dtype=dtype).reshape(entry["shape"])


def dump(t):
    return {"shape": list(t.shape), "data": t.detach().flatten().tolist()}


class SqueezeExcitation(nn.Module):
    """Hu et al. 2018 on [N, C, L]: x * sigmoid(fc2(relu(fc1(mean_t x)))), fc1: C -> max(1, C // r)."""

    def __init__(self, channels, reduction):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, x):
        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(x.mean(-1))))).unsqueeze(-1)


class Block(nn.Module):
    """BasicBlock with the attribute names of the reference state_dict (and `se` between b2 and the sum)."""

    def __init__(self, cin, cout, stride, kernel, se=None, dropout=0.0):
        super().__init__()
        self.dropout = dropout
        self.c1 = nn.Conv1d(cin, cout, kernel, stride, kernel // 2, bias=False)
        self.b1 = nn.BatchNorm1d(cout)
        self.c2 = nn.Conv1d(cout, cout, kernel, 1, kernel // 2, bias=False)
        self.b2 = nn.BatchNorm1d(cout)
        self.se = SqueezeExcitation(cout, se) if se else None
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv1d(cin, cout, 1, stride, bias=False), nn.BatchNorm1d(cout))

    def forward(self, x):
        out = torch.relu(self.b1(self.c1(x)))
        if self.dropout > 0:  # 0 in the traces; the benchmark peer runs DESIGN.md's 0.2
            out = nn.functional.dropout(out, self.dropout, self.training)
        out = self.b2(self.c2(out))
        if self.se is not None:
            out = self.se(out)
        return torch.relu(out + (x if self.down is None else self.down(x)))


class ResNet1D(nn.Module):
    """config: layers, widths, leads, classes, stem {kernel, stride, padding}, block_kernel, optional se (reduction)
    and dropout."""

    def __init__(self, config):
        super().__init__()
        w, stem = config["widths"], config["stem"]
        self.stem = nn.Sequential(nn.Conv1d(config["leads"], w[0], stem["kernel"], stem["stride"], stem["padding"], bias=False),
                                  nn.BatchNorm1d(w[0]), nn.ReLU(), nn.MaxPool1d(3, 2, 1))
        blocks, cin = [], w[0]
        for stage, (count, width) in enumerate(zip(config["layers"], w)):
            for index in range(count):
                blocks.append(Block(cin, width, 2 if index == 0 and stage > 0 else 1, config["block_kernel"], config.get("se"),
                                    config.get("dropout", 0.0)))
                cin = width
        self.body = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, config["classes"])

    def forward(self, x):
        return self.fc(self.body(self.stem(x)).mean(-1))


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, kernel, pool):
        super().__init__()
        self.conv = nn.Conv1d(cin, cout, kernel, padding=kernel // 2)
        self.bn = nn.BatchNorm1d(cout)
        self.pool = nn.MaxPool1d(2) if pool else nn.Identity()

    def forward(self, x):
        return self.pool(torch.relu(self.bn(self.conv(x))))


class CNN1D(nn.Module):
    """config: leads, classes, widths, kernel, branches. Each branch: Conv(k, same)-BN-ReLU blocks, max-pool 2 after
    all but the last, AdaptiveAvgPool1d(1), Flatten; branches concatenated into fc."""

    def __init__(self, config):
        super().__init__()
        widths = config["widths"]

        def branch():
            blocks, cin = [], config["leads"]
            for i, width in enumerate(widths):
                blocks.append(ConvBlock(cin, width, config["kernel"], i + 1 < len(widths)))
                cin = width
            return nn.Sequential(*blocks, nn.AdaptiveAvgPool1d(1), nn.Flatten())

        self.branches = nn.ModuleList([branch() for _ in range(config["branches"])])
        self.fc = nn.Linear(widths[-1] * config["branches"], config["classes"])

    def forward(self, x):
        return self.fc(torch.cat([b(x) for b in self.branches], dim=-1))


def trace(fresh, x, y, loss_fn, optimizers, foreach=None):
    """The trace of the network `fresh()` builds (in training mode, from the fixture's initial state) on input `x`
    and targets `y`: logits, loss, gradients and running statistics of one training forward and backward; then for
    each optimizer {name: (class, hyper-parameters)} three steps from the initial state, the losses before each, the
    state after them and the eval logits. `foreach` (None: PyTorch's default) picks the optimizers' loop."""
    out = {}
    model = fresh()
    logits = model(x)
    loss = loss_fn(logits, y)
    loss.backward()
    out["logits"], out["loss"] = dump(logits), loss.item()
    out["gradients"] = {k: dump(p.grad) for k, p in model.named_parameters()}
    running = {k: dump(v) for k, v in model.state_dict().items() if "running" in k}
    if running:  # networks without BatchNorm have none
        out["state_after_forward"] = running
    for name, (kind, hyper) in optimizers.items():
        model = fresh()
        optimizer = kind(model.parameters(), **hyper, **({} if foreach is None else {"foreach": foreach}))
        losses = []
        for _ in range(3):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            losses.append(loss.item())
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            eval_logits = model(x)
        out[name] = {"losses_before_each_step": losses,
                     "state_after_3_steps": {k: dump(v) for k, v in model.state_dict().items()},
                     "eval_logits_after_3_steps": dump(eval_logits)}
    return out


def leaves(tree, prefix=()):
    """(path, values) of every traced tensor, list or scalar of a trace, paths as in the tests
    (`sgd/state_after_3_steps/fc.bias`); the fixture's inputs, settings and bookkeeping are skipped."""
    for key, value in tree.items():
        if key in ("hyper", "config", "input", "targets", "initial_state", "order", "loss_kind"):
            continue
        path = prefix + (key,)
        if isinstance(value, dict) and "data" in value:
            yield "/".join(path), np.asarray(value["data"], dtype=np.float64)
        elif isinstance(value, dict):
            yield from leaves(value, path)
        else:
            yield "/".join(path), np.atleast_1d(np.asarray(value, dtype=np.float64))
