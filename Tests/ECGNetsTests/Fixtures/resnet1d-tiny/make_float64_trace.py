"""Recomputes the resnet1d-tiny reference (reference.json) in Float64 with PyTorch, from the same initial
state, input and hyper-parameters, and writes float64-trace.json with the same keys.

Why: the Float32 trace carries PyTorch's own rounding; the Float64 trace is the exact value to judge both
implementations against. Run: python3 -m venv torchenv && torchenv/bin/pip install torch numpy &&
torchenv/bin/python make_float64_trace.py  (in this folder).
"""
import json
import torch
import torch.nn as nn

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


def tensor(entry):
    return torch.tensor(entry["data"]).reshape(entry["shape"])


def dump(t):
    return {"shape": list(t.shape), "data": t.detach().flatten().tolist()}


def fresh():
    model = Net()
    model.load_state_dict({k: tensor(v) for k, v in reference["initial_state"].items()})
    return model.train()


def main():
    """Writes float64-trace.json (make_float32_spread.py imports the network without running this)."""
    x, y = tensor(reference["input"]), tensor(reference["targets"])
    loss_fn = nn.BCEWithLogitsLoss()
    out = {}
    model = fresh()
    logits = model(x)
    loss = loss_fn(logits, y)
    loss.backward()
    out["logits"], out["loss"] = dump(logits), loss.item()
    out["gradients"] = {k: dump(p.grad) for k, p in model.named_parameters()}
    out["state_after_forward"] = {k: dump(v) for k, v in model.state_dict().items() if "running" in k}
    for name in ("adam", "adamw", "sgd"):
        hyper = {k: v for k, v in reference[name]["hyper"].items() if k not in ("differentiable", "capturable", "decoupled_weight_decay")}
        model = fresh()
        optimizer = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[name](model.parameters(), **hyper)
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
    json.dump(out, open("float64-trace.json", "w"))


if __name__ == "__main__":
    torch.set_default_dtype(torch.float64)
    main()
