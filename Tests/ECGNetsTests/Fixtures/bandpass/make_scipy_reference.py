"""Writes scipy-reference.json: scipy's zero-phase Butterworth band-pass of real ECG leads, the independent
reference for ButterworthBandPassFilterTests.

Each case designs `sos = scipy.signal.butter(order, [low, high], btype='band', output='sos', fs=fs)` and filters
one lead of record E07500 (../wfdb/E07500.mat, PhysioNet/CinC Challenge 2021, CC BY 4.0) with
`scipy.signal.sosfiltfilt(sos, x)` (defaults: padtype='odd', padlen=3*ntaps). The input is the lead in mV rounded
to float32 exactly as ECGNets reads it (`Float(adu * (1/1000))`), then widened to float64, so both sides filter
the same numbers. Also stored: scipy's padlen for the design and the complex frequency response
`scipy.signal.sosfreqz(sos, worN=frequencies, fs=fs)` at a few frequencies.

Run from this directory with Python 3.11, numpy and scipy (written with scipy 1.17.1):
    python3 make_scipy_reference.py
"""
import json

import numpy as np
import scipy
from scipy.io import loadmat
from scipy.signal import butter, sosfiltfilt, sosfreqz

FS = 500.0
LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
adu = loadmat("../wfdb/E07500.mat")["val"].astype(np.float64)  # 12 x 5000, gain 1000 adu/mV, baseline 0
millivolts = (adu * (1.0 / 1000.0)).astype(np.float32).astype(np.float64)

# (order, low Hz, high Hz, lead, samples): the usual ECG band on a whole lead, an odd order (a real prototype
# pole), a very low corner, and a signal one sample longer than scipy's padding.
designs = [(4, 0.5, 40.0, "II", 5000), (3, 1.0, 30.0, "V1", 2000), (2, 0.05, 150.0, "V3", 1000),
           (1, 5.0, 50.0, "aVL", 10)]
frequencies = [0.0, 0.05, 0.5, 1.0, 5.0, 10.0, 30.0, 40.0, 100.0, 200.0, 249.0]

cases = []
for order, low, high, lead, n in designs:
    sos = butter(order, [low, high], btype="band", output="sos", fs=FS)
    ntaps = 2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    x = millivolts[LEADS.index(lead), :n]
    _, response = sosfreqz(sos, worN=frequencies, fs=FS)
    cases.append({
        "order": order, "low": low, "high": high, "lead": lead, "samples": n, "padLength": 3 * ntaps,
        "method": f"sosfiltfilt(butter({order}, [{low}, {high}], btype='band', output='sos', fs={FS}), x)",
        "filtered": sosfiltfilt(sos, x).tolist(),
        "frequencies": frequencies,
        "responseReal": response.real.tolist(), "responseImaginary": response.imag.tolist(),
    })

json.dump({"scipy": scipy.__version__, "samplingFrequency": FS, "record": "E07500", "cases": cases},
          open("scipy-reference.json", "w"), indent=0)
