"""Recomputes the first training forward and backward of the resnet1d-tiny reference (reference.json) under
PyTorch's bfloat16 CPU autocast, `torch.autocast('cpu', dtype=torch.bfloat16)`, the one-line mixed precision a
PyTorch user turns on: float32 parameters, bfloat16 convolutions and linear layer (and the ops that follow them
in bfloat16), float32 loss. Writes bfloat16-trace.json with the keys logits, loss and gradients.
Run: /path/to/torchenv/bin/python make_bfloat16_trace.py  (in this folder; torch >= 2, CPU).
"""
import json
import torch
import torch.nn as nn

reference = json.load(open("reference.json"))
config = reference["config"]
torch.manual_seed(0)


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
    return torch.tensor(entry["data"], dtype=torch.float32).reshape(entry["shape"])


def dump(t):
    return {"shape": list(t.shape), "data": t.detach().double().flatten().tolist()}


model = Net()
model.load_state_dict({k: tensor(v) for k, v in reference["initial_state"].items()})
model.train()
x, y = tensor(reference["input"]), tensor(reference["targets"])
with torch.autocast("cpu", dtype=torch.bfloat16):
    logits = model(x)
loss = nn.BCEWithLogitsLoss()(logits.float(), y)
loss.backward()
out = {"torch_version": torch.__version__, "autocast": "cpu bfloat16",
       "logits": dump(logits.float()), "loss": loss.item(),
       "gradients": {k: dump(p.grad) for k, p in model.named_parameters()}}
json.dump(out, open("bfloat16-trace.json", "w"))
print("logits dtype under autocast:", logits.dtype, "loss", loss.item())
