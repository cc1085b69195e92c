"""Reference values for SoftmaxCrossEntropyTests: PyTorch's CrossEntropyLoss(weight=) and
BCEWithLogitsLoss(pos_weight=) with the default mean reduction, losses and gradients with respect to the
logits, computed in float64 from float32 inputs (the values the Swift test feeds its float32 losses).

Run from the repository root:  /work/torchenv/bin/python Tests/DistTensorTests/Fixtures/losses/make_torch_losses.py
"""
import json
import pathlib

import numpy as np
import torch

rng = np.random.default_rng(11)


def f32(values):
    return np.asarray(values, dtype=np.float32)


def cross_entropy_case(name, logits, targets, weight):
    x = torch.tensor(f32(logits), dtype=torch.float64, requires_grad=True)
    w = None if weight is None else torch.tensor(f32(weight), dtype=torch.float64)
    loss = torch.nn.CrossEntropyLoss(weight=w)(x, torch.tensor(targets, dtype=torch.long))
    loss.backward()
    return {"name": name, "logits": f32(logits).astype(float).ravel().tolist(), "shape": list(np.shape(logits)),
            "targets": list(map(int, targets)),
            "weight": None if weight is None else f32(weight).astype(float).tolist(),
            "loss": loss.item(), "gradient": x.grad.numpy().ravel().tolist()}


def bce_case(name, logits, targets, pos_weight):
    x = torch.tensor(f32(logits), dtype=torch.float64, requires_grad=True)
    y = torch.tensor(f32(targets), dtype=torch.float64)
    p = None if pos_weight is None else torch.tensor(f32(pos_weight), dtype=torch.float64)
    loss = torch.nn.BCEWithLogitsLoss(pos_weight=p)(x, y)
    loss.backward()
    return {"name": name, "logits": f32(logits).astype(float).ravel().tolist(), "shape": list(np.shape(logits)),
            "targets": f32(targets).astype(float).ravel().tolist(),
            "weight": None if pos_weight is None else f32(pos_weight).astype(float).tolist(),
            "loss": loss.item(), "gradient": x.grad.numpy().ravel().tolist()}


logits = rng.normal(size=(7, 4)) * 3
targets = [0, 1, 2, 3, 1, 1, 2]
large = rng.normal(size=(3, 5)) * 40
cross_entropy = [
    cross_entropy_case("unweighted", logits, targets, None),
    cross_entropy_case("weighted", logits, targets, [0.5, 2.0, 1.5, 4.0]),
    # scikit-learn's compute_class_weight("balanced") of these targets: n / (classes * count).
    cross_entropy_case("balanced", logits, targets, [7 / (4 * 1), 7 / (4 * 3), 7 / (4 * 2), 7 / (4 * 1)]),
    cross_entropy_case("large logits", large, [4, 0, 2], [1.0, 0.25, 3.0, 1.0, 2.0]),
]
bce_logits = rng.normal(size=(5, 3)) * 3
bce_targets = (rng.random(size=(5, 3)) < 0.4).astype(float)
binary = [
    bce_case("unweighted", bce_logits, bce_targets, None),
    bce_case("pos_weight", bce_logits, bce_targets, [0.5, 2.0, 3.0]),
]
out = pathlib.Path(__file__).with_name("torch-losses.json")
out.write_text(json.dumps({"torch": torch.__version__, "cross_entropy": cross_entropy, "bce_with_logits": binary},
                          indent=1) + "\n")
print("wrote", out)
