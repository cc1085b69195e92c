"""Reruns PyTorch's Float32 computation of reference.json under several equally valid Float32 kernel choices and
writes float32-spread.json: per traced tensor, the largest error any of these Float32 runs makes against the
Float64 trace (float64-trace.json).

Why: one Float32 run is a single sample of how far Float32 implementations land from the exact value. Where
the computation amplifies rounding (three SGD steps), "no worse than PyTorch's one Float32 run at its worst
element" is a coin flip for any implementation with the same kernels; "no worse than the worst of PyTorch's own
Float32 variants" is a measured bound. Variants: convolutions on oneDNN (torch.backends.mkldnn) or on PyTorch's
own im2col + GEMM path, 1 or 2 intra-op threads, and the optimizers' for-each or per-tensor loop; the script
reports which of them change the bits. Run (in this folder, after make_float64_trace.py):
torchenv/bin/python make_float32_spread.py
"""
import hashlib
import itertools
import json
import numpy as np
import torch

import make_float64_trace as f64  # the network, the reference's initial state, input and hyper-parameters
from torch_reference import leaves  # noqa: E402  (on the path make_float64_trace set)

torch.set_default_dtype(torch.float32)
exact = json.load(open("float64-trace.json"))
reference = f64.reference


def fresh():
    model = f64.Net().float()
    model.load_state_dict({k: f64.tensor(v).float() for k, v in reference["initial_state"].items()})
    return model.train()


def trace(foreach):
    """The Float32 trace with the keys of reference.json (the same computation as make_float64_trace.py)."""
    x, y = f64.tensor(reference["input"]).float(), f64.tensor(reference["targets"]).float()
    return f64.trace(fresh, x, y, torch.nn.BCEWithLogitsLoss(),
                     f64.optimizers(("differentiable", "capturable", "decoupled_weight_decay", "foreach", "fused")), foreach)


def variants():
    """(name, mkldnn, threads, foreach) of every Float32 variant."""
    for mkldnn, threads, foreach in itertools.product((True, False), (1, 2), (True, False)):
        yield f"mkldnn={'on' if mkldnn else 'off'} threads={threads} foreach={'on' if foreach else 'off'}", mkldnn, threads, foreach


def run_variant(mkldnn, threads, foreach):
    """The traced leaves of one Float32 variant."""
    torch.set_num_threads(threads)
    with torch.backends.mkldnn.flags(enabled=mkldnn):
        return dict(leaves(trace(foreach)))


def main():
    """Writes float32-spread.json (make_float64_sgd_branches.py imports the variants without running this)."""
    reference_leaves = dict(leaves(reference))
    exact_leaves = {p: v for p, v in leaves(exact) if p in reference_leaves}  # the tensors the test compares
    runs = {}
    for name, mkldnn, threads, foreach in variants():
        print(name, flush=True)
        runs[name] = run_variant(mkldnn, threads, foreach)
        print("  bit-identical to reference.json:",
              all(np.array_equal(runs[name][p], v) for p, v in reference_leaves.items()))
    digests = {}
    for name, run in runs.items():
        digests.setdefault(hashlib.sha256(b"".join(run[p].tobytes() for p in sorted(run))).hexdigest(), []).append(name)
    print(len(digests), "distinct bit patterns among", len(runs), "variants:", list(digests.values()))

    error = {name: {p: float(np.max(np.abs(run[p] - exact_leaves[p]))) for p in exact_leaves} for name, run in runs.items()}
    spread = {p: max(error[name][p] for name in runs) for p in exact_leaves}
    single = {p: float(np.max(np.abs(reference_leaves[p] - exact_leaves[p]))) for p in exact_leaves}
    inside = [p for p in exact_leaves if single[p] <= spread[p]]
    print(f"reference.json's own error within the variants' worst: {len(inside)} of {len(exact_leaves)} tensors")
    ratios = np.array([spread[p] / single[p] for p in exact_leaves if single[p] > 0])
    print(f"worst variant error / reference.json error: median {np.median(ratios):.3f}, min {ratios.min():.3f}, max {ratios.max():.3f}")
    for optimizer in ("adam", "adamw", "sgd", "gradients"):
        r = np.array([spread[p] / single[p] for p in exact_leaves if p.startswith(optimizer) and single[p] > 0])
        print(f"  {optimizer}: median {np.median(r):.3f}, max {r.max():.3f}")
    print("largest variant/reference.json ratios:", sorted(((spread[p] / single[p], p) for p in exact_leaves if single[p] > 0), reverse=True)[:5])
    json.dump({"source": "make_float32_spread.py, PyTorch " + torch.__version__ + " CPU, Float32; errors against float64-trace.json",
               "variants": list(runs), "max_error": spread, "max_error_by_variant": error},
              open("float32-spread.json", "w"), indent=0)


if __name__ == "__main__":
    main()
