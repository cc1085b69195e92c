"""What every PyTorch trace generator in these fixtures shares: tensors to and from the fixtures' JSON form
({"shape", "data"}), and the trace itself (training forward, loss, every gradient, running statistics, then three
optimizer steps from the initial state and the eval-mode logits after them). Generators import it with
sys.path pointing at this folder (resnet1d-tiny/make_float64_trace.py, zoo-tiny/make_zoo_trace.py).
"""
import torch


def tensor(entry, dtype=None):
    return torch.tensor(entry["data"], dtype=dtype).reshape(entry["shape"])


def dump(t):
    return {"shape": list(t.shape), "data": t.detach().flatten().tolist()}


def trace(fresh, x, y, loss_fn, optimizers):
    """The trace of the model `fresh()` builds (initial state loaded, train mode) on input `x` and targets `y`:
    logits, loss, gradients, running statistics after the forward (when it has any), and per entry of
    `optimizers` ({name: (torch.optim class, keyword arguments)}) the losses before each of 3 steps, the state after
    them and the eval-mode logits."""
    out = {}
    model = fresh()
    logits = model(x)
    loss = loss_fn(logits, y)
    loss.backward()
    out["logits"], out["loss"] = dump(logits), loss.item()
    out["gradients"] = {k: dump(p.grad) for k, p in model.named_parameters()}
    running = {k: dump(v) for k, v in model.state_dict().items() if "running" in k}
    if running:
        out["state_after_forward"] = running
    for name, (kind, hyper) in optimizers.items():
        model = fresh()
        optimizer = kind(model.parameters(), **hyper)
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
