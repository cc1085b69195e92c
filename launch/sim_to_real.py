"""Scores `dist-train predict` outputs of real records against their headers, for launch/sim-to-real.

Per 2020 Challenge class present among the records (equivalent codes merged; a class's score is the largest
output among its codes): AUROC (scikit-learn), and sensitivity / specificity at two sets of thresholds:
- "sim": the checkpoint's thresholds, tuned on simulated validation records (the binary line `predict` wrote);
- "real": tuned on real records by two-fold cross-tuning: records are split by index parity, each half's
  thresholds (the score cut that maximises Youden's J = sensitivity + specificity - 1 on the other half, ties
  to the lowest cut) are applied to the other half, and the two halves' decisions are pooled.
Sinus rhythm (NSR) is also scored among the records that carry some rhythm label: the Georgia records in the
sample label NSR only on otherwise normal ECGs, so a record with another finding and no rhythm label is a negative
for NSR even when it is in sinus rhythm. For each such record the script prints its heart rate and RR regularity
(R peaks of lead II: 5-25 Hz Butterworth band-pass, squared, scipy's find_peaks), which says whether it is.
Usage: python sim_to_real.py PREDICTIONS_DIR RECORDS_DIR [OUT.json]
"""
import json
import pathlib
import sys

import numpy as np
import scipy.io
import scipy.signal
from sklearn.metrics import roc_auc_score

EQUIVALENT = [{"713427006", "59118001"}, {"284470004", "63593006"}, {"427172004", "17338001"}]
ABBREVIATION = {
    "270492004": "IAVB", "164889003": "AF", "164890007": "AFL", "426627000": "Brady", "59118001": "RBBB",
    "713426002": "IRBBB", "445118002": "LAnFB", "39732003": "LAD", "164909002": "LBBB", "251146004": "LQRSV",
    "698252002": "NSIVCB", "10370003": "PR", "284470004": "PAC", "427172004": "PVC", "164947007": "LPR",
    "111975006": "LQT", "164917005": "QAb", "47665007": "RAD", "427393009": "SA", "426177001": "SB",
    "426783006": "NSR", "427084000": "STach", "164934002": "TAb", "59931005": "TInv",
}


def group(code):
    for pair in EQUIVALENT:
        if code in pair:
            return sorted(pair, key=lambda c: c not in ABBREVIATION)[0]
    return code


def read_output(path):
    lines = path.read_text().splitlines()
    codes = [c.strip() for c in lines[1].split(",")]
    binary = [int(v) for v in lines[2].split(",")]
    scores = [float(v) for v in lines[3].split(",")]
    merged_scores, merged_binary = {}, {}
    for code, b, s in zip(codes, binary, scores):
        key = group(code)
        merged_scores[key] = max(merged_scores.get(key, 0.0), s)
        merged_binary[key] = max(merged_binary.get(key, 0), b)
    return merged_scores, merged_binary


def labels(header):
    for line in header.read_text().splitlines():
        if line.startswith("# Dx:"):
            return {group(c.strip()) for c in line[5:].split(",")}
    return set()


RHYTHMS = {"426783006", "427084000", "426177001", "164889003", "164890007", "427393009", "426627000"}


def heart_rhythm(record):
    """Median heart rate (bpm) and the RR intervals' coefficient of variation from lead II of a WFDB .mat record."""
    header = record.with_suffix(".hea").read_text().splitlines()
    rate = float(header[0].split()[2])
    lead = scipy.io.loadmat(record.with_suffix(".mat"))["val"][1].astype(float)
    b, a = scipy.signal.butter(2, [5 / (rate / 2), 25 / (rate / 2)], "band")
    energy = scipy.signal.filtfilt(b, a, lead) ** 2
    peaks, _ = scipy.signal.find_peaks(energy, height=0.3 * np.percentile(energy, 99.5), distance=int(0.3 * rate))
    rr = np.diff(peaks) / rate
    return 60 / np.median(rr), rr.std() / rr.mean()


def youden_cut(scores, truth):
    best, best_j = 0.5, -2.0
    for cut in sorted(set(scores)):
        decided = scores >= cut
        sens = decided[truth].mean() if truth.any() else 0.0
        spec = (~decided[~truth]).mean() if (~truth).any() else 0.0
        if sens + spec - 1 > best_j:
            best, best_j = cut, sens + spec - 1
    return best


def rates(decided, truth):
    return float(decided[truth].mean()), float((~decided[~truth]).mean())


def main():
    predictions, records = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    ids = sorted(p.stem for p in records.glob("*.hea"))
    outputs = [read_output(predictions / f"{i}.csv") for i in ids]
    truth_sets = [labels(records / f"{i}.hea") for i in ids]
    parity = np.arange(len(ids)) % 2 == 0
    rows = []
    for code, name in ABBREVIATION.items():
        truth = np.array([code in t for t in truth_sets])
        if not truth.any() or truth.all():
            continue
        scores = np.array([o[0][code] for o in outputs])
        sim = np.array([o[1][code] == 1 for o in outputs])
        real = np.zeros(len(ids), dtype=bool)
        for half in (parity, ~parity):
            other = ~half
            cut = youden_cut(scores[other], truth[other]) if truth[other].any() and (~truth[other]).any() else 0.5
            real[half] = scores[half] >= cut
        sim_sens, sim_spec = rates(sim, truth)
        real_sens, real_spec = rates(real, truth)
        rows.append({"class": name, "code": code, "positives": int(truth.sum()), "records": len(ids),
                     "auroc": float(roc_auc_score(truth, scores)),
                     "sim_thresholds": {"sensitivity": sim_sens, "specificity": sim_spec},
                     "real_thresholds": {"sensitivity": real_sens, "specificity": real_spec}})
    print("| class | positives | AUROC | sens / spec, sim thresholds | sens / spec, real thresholds (2-fold) |")
    print("| --- | --- | --- | --- | --- |")
    for r in rows:
        s, q = r["sim_thresholds"], r["real_thresholds"]
        print(f"| {r['class']} | {r['positives']}/{r['records']} | {r['auroc']:.3f} | "
              f"{s['sensitivity']:.2f} / {s['specificity']:.2f} | {q['sensitivity']:.2f} / {q['specificity']:.2f} |")
    with_rhythm = np.array([bool(t & RHYTHMS) for t in truth_sets])
    nsr = np.array([o[0]["426783006"] for o in outputs])
    nsr_truth = np.array(["426783006" in t for t in truth_sets])
    if nsr_truth[with_rhythm].any() and (~nsr_truth[with_rhythm]).any():
        auroc = float(roc_auc_score(nsr_truth[with_rhythm], nsr[with_rhythm]))
        print(f"\nNSR among the {int(with_rhythm.sum())} records with a rhythm label: AUROC {auroc:.3f}")
        rows.append({"class": "NSR (records with a rhythm label)", "code": "426783006",
                     "positives": int(nsr_truth[with_rhythm].sum()), "records": int(with_rhythm.sum()), "auroc": auroc})
    for i, record in enumerate(ids):
        if not with_rhythm[i]:
            bpm, variation = heart_rhythm(records / record)
            names = ",".join(sorted(ABBREVIATION.get(c, c) for c in truth_sets[i]))
            print(f"{record} (no rhythm label; {names}): {bpm:.0f} bpm, RR variation {variation:.3f}, NSR output {nsr[i]:.3f}")
    if len(sys.argv) > 3:
        pathlib.Path(sys.argv[3]).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
