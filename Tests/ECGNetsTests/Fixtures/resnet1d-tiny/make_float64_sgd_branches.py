"""Recomputes the SGD case of reference.json in Float64 on the branches (ReLU decisions) that Float32 computations
take, and writes float64-sgd-branches.json: that trace, the decisions where Float32 and Float64 differ, which of
PyTorch's Float32 variants (make_float32_spread.py) land on which branch, and per branch the largest error of each
traced SGD tensor among its variants against the branch's exact trace.

Why: in the second of the three SGD steps (lr 0.01, momentum 0.9) one ReLU input sits at the kink: body.11's
block output at (sample 2, channel 10, position 21) is -4.5e-6 in Float64, closer to zero than Float32's forward
error at that depth (a few 1e-6). So rounding picks the branch: Float32 on oneDNN convolutions (PyTorch's mkldnn
variants, reference.json, dist-train) passes that element's gradient, PyTorch's im2col + GEMM variants block it as
Float64 does, and that one decision moves every tensor after three steps along a single direction, by up to 1% on
stem weights. float64-trace.json is the exact value of one branch only, and a Float32 result on the other branch is
as valid but hundreds of roundings away from it. Here each forward first runs in Float32 on the same parameters
(rounded) to record its ReLU decisions and max-pool choices; the Float64 forward and backward then use those
decisions (a ReLU is x * mask, its derivative the mask), giving the exact value on the oneDNN branch. The script
checks that with Float64's own decisions the same code reproduces float64-trace.json, and prints every decision
that differs (this fixture: that one element) and the branch each variant lands on.
Run (in this folder, after make_float64_trace.py): torchenv/bin/python make_float64_sgd_branches.py
"""
import copy
import json
import numpy as np
import torch
import torch.nn.functional as F

import make_float64_trace as f64  # the network, initial state, input and hyper-parameters
import make_float32_spread as f32  # the Float32 variants and the traced leaves

reference = f64.reference
exact = json.load(open("float64-trace.json"))


class Decisions:
    """ReLU masks and max-pool indices recorded by a Float32 forward, replayed in call order by the Float64 one."""

    def __init__(self, use_float32):
        self.use_float32 = use_float32  # False: Float64's own decisions (the self-check)
        self.recorded, self.position, self.flips, self.step = [], 0, [], None

    def relu(self, x, site):
        if self.recording:
            self.recorded.append(x.detach() > 0)
            return torch.relu(x)
        mask = self.recorded[self.position]
        self.position += 1
        own = x.detach() > 0
        for index in (mask != own).nonzero().tolist():
            self.flips.append({"forward": self.step, "site": site, "index": index,
                               "float64": x[tuple(index)].item(), "float32_decision": bool(mask[tuple(index)])})
        return x * (mask if self.use_float32 else own).to(x.dtype)

    def max_pool(self, x):
        pooled, indices = F.max_pool1d(x, 3, 2, 1, return_indices=True)
        if self.recording:
            self.recorded.append(indices)
            return pooled
        chosen = self.recorded[self.position]
        self.position += 1
        assert torch.equal(chosen, indices), "a max-pool choice differs between Float32 and Float64; replay it too"
        return pooled

    def run(self, model, x, step):
        """The Float64 output of `model` on `x`, with the decisions of a Float32 forward of the same state."""
        shadow = copy.deepcopy(model).float()
        self.recorded, self.position, self.recording, self.step = [], 0, True, step
        with torch.no_grad():
            forward(shadow, x.float(), self)
        self.recording = False
        return forward(model, x, self)


def forward(model, x, decisions):
    """make_float64_trace.Net.forward with the ReLUs and the max-pool going through `decisions`."""
    stem = model.stem
    h = decisions.max_pool(decisions.relu(stem[1](stem[0](x)), "stem"))
    for index, block in enumerate(model.body):
        out = block.b2(block.c2(decisions.relu(block.b1(block.c1(h)), f"body.{index}.b1")))
        h = decisions.relu(out + (h if block.down is None else block.down(h)), f"body.{index}.out")
    return model.fc(h.mean(-1))


def sgd_trace(decisions):
    """The SGD part of reference.json, computed in Float64 with `decisions`."""
    torch.set_default_dtype(torch.float64)  # as make_float64_trace.py computes (make_float32_spread sets float32)
    x, y = f64.tensor(reference["input"]).double(), f64.tensor(reference["targets"]).double()
    hyper = {k: v for k, v in reference["sgd"]["hyper"].items() if k not in ("differentiable",)}
    model = f64.fresh().double()
    optimizer = torch.optim.SGD(model.parameters(), **hyper)
    losses = []
    for step in range(3):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(decisions.run(model, x, step), y)
        losses.append(loss.item())
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        eval_logits = decisions.run(model, x, "eval")
    torch.set_default_dtype(torch.float32)
    return {"losses_before_each_step": losses,
            "state_after_3_steps": {k: f64.dump(v) for k, v in model.state_dict().items()},
            "eval_logits_after_3_steps": f64.dump(eval_logits)}


def main():
    torch.set_num_threads(1)
    plain = {p: np.asarray(v) for p, v in f32.leaves({"sgd": exact["sgd"]})}
    check = dict(f32.leaves({"sgd": sgd_trace(Decisions(use_float32=False))}))
    worst = max(float(np.max(np.abs(v - plain[p]))) for p, v in check.items())
    print(f"Float64's own decisions reproduce float64-trace.json to {worst:.2e}")
    assert worst < 1e-12
    decisions = Decisions(use_float32=True)
    trace = sgd_trace(decisions)
    print("decisions where Float32 and Float64 differ:", decisions.flips)
    branch = dict(f32.leaves({"sgd": trace}))
    # Each variant lands on one branch: its error against that branch's exact trace is rounding, against the other's
    # the branch difference (hundreds of times larger). The spread of a branch is the worst of its own variants.
    sides = {"float32_branch": {"trace": branch, "variants": [], "max_error": {}},
             "float64_branch": {"trace": plain, "variants": [], "max_error": {}}}
    for name, mkldnn, threads, foreach in f32.variants():
        run = f32.run_variant(mkldnn, threads, foreach)
        distance = {side: max(float(np.max(np.abs(run[p] - v))) for p, v in data["trace"].items())
                    for side, data in sides.items()}
        side = min(distance, key=distance.get)
        print(f"{name}: largest difference from the Float32-branch trace {distance['float32_branch']:.3g}, from "
              f"float64-trace.json {distance['float64_branch']:.3g}: on the {side}", flush=True)
        data = sides[side]
        data["variants"].append(name)
        for p, v in data["trace"].items():
            data["max_error"][p] = max(data["max_error"].get(p, 0.0), float(np.max(np.abs(run[p] - v))))
    json.dump({"source": "make_float64_sgd_branches.py, PyTorch " + torch.__version__ + " CPU: the SGD case in Float64 on "
                         "Float32's ReLU decisions; per branch, PyTorch's Float32 variants on it and their largest errors "
                         "against its exact trace (the Float64 branch's trace is float64-trace.json)",
               "decisions_flipped": decisions.flips, "sgd": trace,
               "branches": {side: {"variants": data["variants"], "max_error": data["max_error"]} for side, data in sides.items()}},
              open("float64-sgd-branches.json", "w"), indent=0)


if __name__ == "__main__":
    main()
