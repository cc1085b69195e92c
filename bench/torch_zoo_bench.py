"""PyTorch (CPU) peer of `dist-train bench --model M` for the recurrent and attention models of the zoo: gru-mha,
lstm-mha, cnn-mhsa, stft-cnn-gru and stft-cnn-lstm at dist-train's default sizes (the networks are the ones the PyTorch
traces check, imported from Tests/ECGNetsTests/Fixtures/zoo-tiny/make_zoo_trace.py and make_stft_trace.py). Times forward + cross-entropy + backward + Adam on a
random [batch, 1, length] input with 4 classes, then evaluation-mode forwards.
Usage: python torch_zoo_bench.py --model gru-mha [--threads 2] [--batch 32] [--length 3000] [--steps 3]
       [--precision fp32|bf16]   (bf16: torch.autocast('cpu', dtype=torch.bfloat16))
"""
import argparse
import importlib.util
import os
import sys

import torch
import torch.nn as nn

from torch_conv_zoo_bench import measure  # the timing loop, shared

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "Tests", "ECGNetsTests", "Fixtures", "zoo-tiny")
sys.path.insert(0, fixtures)
spec = importlib.util.spec_from_file_location("zoo", os.path.join(fixtures, "make_zoo_trace.py"))
zoo = importlib.util.module_from_spec(spec)
spec.loader.exec_module(zoo)
import make_stft_trace as stft  # noqa: E402

# dist-train's defaults (RecurrentAttentionConfiguration, CNNSelfAttentionConfiguration).
RECURRENT = {"leads": 1, "classes": 4, "frame": 10, "hidden": 64, "layers": 2, "heads": 4, "dropout": 0.2,
             "attentionDropout": 0.1}
CONVOLUTIONAL = {"leads": 1, "classes": 4, "widths": [16, 16, 32, 32, 64, 64], "heads": 4, "attentionDropout": 0.1,
                 "dense": [64], "activation": "relu", "dropout": 0.3}
# SpectrogramRecurrentConfiguration.gru / .lstm.
SPECTROGRAM = {"leads": 1, "classes": 4, "nFFT": 256, "hop": 128, "logarithmic": True, "widths": [16, 32], "hidden": 128,
               "layers": 1}


def build(name):
    if name == "stft-cnn-gru":
        return stft.SpectrogramRecurrent("gru", {**SPECTROGRAM, "batchNorm": False, "dropout": 0.5})
    if name == "stft-cnn-lstm":
        return stft.SpectrogramRecurrent("lstm", {**SPECTROGRAM, "batchNorm": True, "dropout": 0.4})
    if name in ("gru-mha", "lstm-mha"):
        return zoo.RecurrentAttention(name.split("-")[0], RECURRENT)
    return zoo.CNNSelfAttention(CONVOLUTIONAL)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=["gru-mha", "lstm-mha", "cnn-mhsa", "stft-cnn-gru", "stft-cnn-lstm"], required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--length", type=int, default=3000)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    m = build(a.model).train()
    print("params", sum(q.numel() for q in m.parameters()))
    opt = torch.optim.Adam(m.parameters(), 1e-3, weight_decay=1e-5)
    lossf = nn.CrossEntropyLoss()
    x = torch.randn(a.batch, 1, a.length)
    y = torch.randint(0, 4, (a.batch,))
    measure(m, opt, lossf, x, y, a)

if __name__ == "__main__":
    main()
