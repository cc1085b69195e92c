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
torch.manual_seed(0)


from make_float64_trace import Net  # the reference network, defined once


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
