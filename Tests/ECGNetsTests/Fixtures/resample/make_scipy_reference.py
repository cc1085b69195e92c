"""Writes scipy-reference.json: scipy's own output lengths and values of scipy.signal.resample_poly, the
independent reference for PolyphaseResamplerTests beside reference.json (which comes from /work/shared).

Run from this directory with Python 3.11, numpy and scipy (written with scipy 1.17.1):
    python3 make_scipy_reference.py
"""
import json

import numpy as np
import scipy
from scipy.signal import resample_poly

lead_ii = np.array(json.load(open("reference.json"))["signal"])  # lead II of E07500 in mV, 500 Hz

ratios = [(1, 2), (2, 1), (257, 500), (500, 257), (250, 500), (3, 7), (360, 500), (1000, 500)]
lengths = [1, 2, 3, 7, 250, 4999, 5000, 5001, 7500, 12345]
length_cases = []
for up, down in ratios:
    for n in lengths:
        there = len(resample_poly(np.zeros(n), up, down))
        back = len(resample_poly(np.zeros(there), down, up))
        length_cases.append({"n": n, "up": up, "down": down, "output": there, "roundTrip": back})

value_cases = []
for up, down, n in [(500, 257, 999), (3, 7, 1000)]:
    x = lead_ii[:n]
    value_cases.append({"up": up, "down": down, "n": n,
                        "method": f"scipy.signal.resample_poly(x[:{n}], {up}, {down})",
                        "data": resample_poly(x, up, down).tolist()})

json.dump({"scipy": scipy.__version__, "input": "reference.json signal (lead II of E07500, mV)",
           "lengths": length_cases, "values": value_cases}, open("scipy-reference.json", "w"), indent=0)
