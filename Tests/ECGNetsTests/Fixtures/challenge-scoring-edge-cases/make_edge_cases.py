#!/usr/bin/env python3
"""Write the edge-case labels and outputs of this directory and score them with the official scorers.

    python3 make_edge_cases.py EVALUATION_2020_DIR EVALUATION_2021_DIR

EVALUATION_2020_DIR holds evaluate_12ECG_score.py and weights.csv of
github.com/physionetchallenges/evaluation-2020 (its `np.bool` must read `bool` on numpy >= 1.24);
EVALUATION_2021_DIR holds evaluate_model.py, helper_code.py and weights.csv of evaluation-2021.
Writes labels/, outputs/ (well-formed, scored strictly) and outputs-lenient/ (the same with one
malformed file and unreadable values, which only the official reading accepts), then
expected-2020.json, expected-2021.json and expected-2020-lenient.json with the official scorers'
numbers (NaN written as null).
"""

import json
import math
import os
import random
import sys

SCORED = ["270492004", "164889003", "164890007", "426627000", "713427006", "713426002", "445118002",
          "39732003", "164909002", "251146004", "698252002", "10370003", "284470004", "427172004",
          "164947007", "111975006", "164917005", "47665007", "59118001", "427393009", "426177001",
          "426783006", "427084000", "63593006", "164934002", "59931005", "17338001"]

# Labels: equivalent codes on either side of a pair, unscored codes (164884008, 55930002), codes scored
# only in 2021 (6374002 BBB, 733534002 CLBBB ~ LBBB), a code in no map (999999999), a record with no
# scored code at all. Several classes get no positive label, so their AUROC/AUPRC/F are NaN.
LABELS = [
    ["426783006"],
    ["426783006", "59118001"],
    ["713427006", "164884008"],
    ["63593006", "427084000"],
    ["284470004", "17338001"],
    ["427172004"],
    ["164889003", "733534002"],
    ["164909002", "6374002"],
    ["733534002"],
    ["164884008"],
    ["426177001", "999999999"],
    ["164889003", "164890007"],
    ["426783006", "164934002", "59931005"],
    ["270492004", "426783006"],
    ["39732003", "445118002", "426783006"],
    ["426783006"],
]


def outputs_for(index, rng):
    """Columns, decisions and probabilities of record `index` (every case of the column handling)."""
    codes = list(SCORED)
    rng.shuffle(codes)  # columns in any order
    # Two decimals, so scores tie across records.
    probabilities = [round(rng.random(), 2) for _ in codes]
    labels = set(LABELS[index])
    decisions = ["1" if (code in labels) != (rng.random() < 0.15) else "0" for code in codes]
    if index == 1:  # the pair's columns disagree: OR of decisions, mean of probabilities
        decisions[codes.index("713427006")] = "1"
        decisions[codes.index("59118001")] = "0"
    if index == 2:  # columns missing: those classes are negative with probability 0
        for code in ["59118001", "713427006", "426783006"]:
            position = codes.index(code)
            del codes[position], decisions[position], probabilities[position]
    if index == 3:  # unscored and unknown columns are ignored
        codes += ["164884008", "12345"]
        decisions += ["1", "1"]
        probabilities += [0.99, 0.98]
    if index == 4:  # the official boolean spellings
        decisions = ["True" if d == "1" else "false" for d in decisions]
        decisions[codes.index("426783006")] = "t"
    if index == 6:  # one column for an equivalent set, split only by the 2021 scorer
        codes[codes.index("164909002")] = "733534002|164909002"
    return codes, decisions, probabilities


def write_record(directory, record, codes, decisions, probabilities, id_line=None):
    with open(os.path.join(directory, record + ".csv"), "w") as f:
        f.write("#{}\n".format(id_line or record))
        f.write(",".join(codes) + "\n")
        f.write(",".join(decisions) + "\n")
        f.write(",".join(str(p) for p in probabilities) + "\n")


def nan_to_none(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [nan_to_none(v) for v in value]
    value = float(value)
    return None if math.isnan(value) else value


def score_2020(evaluation_2020, labels, outputs):
    sys.path.insert(0, evaluation_2020)
    import evaluate_12ECG_score as scorer
    sys.path.pop(0)
    cwd = os.getcwd()
    os.chdir(evaluation_2020)  # the scorer opens weights.csv from the working directory
    try:
        (classes, auroc, auprc, auroc_classes, auprc_classes, accuracy, f_measure, f_measure_classes,
         f_beta_measure, g_beta_measure, challenge_metric) = scorer.evaluate_12ECG_score(labels, outputs)
    finally:
        os.chdir(cwd)
    return {"classes": classes, "auroc": nan_to_none(auroc), "auprc": nan_to_none(auprc),
            "accuracy": nan_to_none(accuracy), "f_measure": nan_to_none(f_measure),
            "f_beta_measure": nan_to_none(f_beta_measure), "g_beta_measure": nan_to_none(g_beta_measure),
            "challenge_metric": nan_to_none(challenge_metric),
            "auroc_per_class": nan_to_none(auroc_classes), "auprc_per_class": nan_to_none(auprc_classes),
            "f_measure_per_class": nan_to_none(f_measure_classes)}


def score_2021(evaluation_2021, labels, outputs):
    sys.path.insert(0, evaluation_2021)
    import evaluate_model as scorer
    sys.path.pop(0)
    cwd = os.getcwd()
    os.chdir(evaluation_2021)
    try:
        (classes, auroc, auprc, auroc_classes, auprc_classes, accuracy, f_measure, f_measure_classes,
         challenge_metric) = scorer.evaluate_model(labels, outputs)
    finally:
        os.chdir(cwd)
    # The 2021 scorer lists a class as the set of its codes; name it by the weights.csv header entry.
    with open(os.path.join(evaluation_2021, "weights.csv")) as f:
        header = [entry.strip() for entry in f.readline().split(",")[1:]]
    assert [set(entry.split("|")) for entry in header] == classes
    return {"classes": header, "auroc": nan_to_none(auroc), "auprc": nan_to_none(auprc),
            "accuracy": nan_to_none(accuracy), "f_measure": nan_to_none(f_measure),
            "challenge_metric": nan_to_none(challenge_metric),
            "auroc_per_class": nan_to_none(auroc_classes), "auprc_per_class": nan_to_none(auprc_classes),
            "f_measure_per_class": nan_to_none(f_measure_classes)}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    evaluation_2020, evaluation_2021 = (os.path.abspath(p) for p in sys.argv[1:])
    here = os.path.dirname(os.path.abspath(__file__))
    labels, outputs, lenient = (os.path.join(here, d) for d in ("labels", "outputs", "outputs-lenient"))
    for directory in (labels, outputs, lenient):
        os.makedirs(directory, exist_ok=True)
    rng = random.Random(2020)
    for index, dx in enumerate(LABELS):
        record = "E{:02d}".format(index)
        with open(os.path.join(labels, record + ".hea"), "w") as f:
            f.write("{} 12 500 5000\n#Age: 60\n#Sex: Male\n#Dx: {}\n#Rx: Unknown\n".format(record, ",".join(dx)))
        codes, decisions, probabilities = outputs_for(index, rng)
        write_record(outputs, record, codes, decisions, probabilities)
        if index == 5:  # the official scorer reads a file without its probability line as all-negative
            with open(os.path.join(lenient, record + ".csv"), "w") as f:
                f.write("#{}\n{}\n{}\n".format(record, ",".join(codes), ",".join(decisions)))
        elif index == 7:  # unreadable probabilities count as 0, "yes" as a negative decision
            probabilities = ["abc" if i % 5 == 0 else p for i, p in enumerate(probabilities)]
            decisions = ["yes" if d == "1" else d for d in decisions]
            write_record(lenient, record, codes, decisions, probabilities)
        else:
            write_record(lenient, record, codes, decisions, probabilities)
    # An output file without a header is not scored (the official scorers pair from the labels).
    write_record(outputs, "UNLABELLED", list(SCORED), ["0"] * 27, [0.5] * 27)
    results = {
        "expected-2020.json": score_2020(evaluation_2020, labels, outputs),
        "expected-2021.json": score_2021(evaluation_2021, labels, outputs),
        "expected-2020-lenient.json": score_2020(evaluation_2020, labels, lenient),
    }
    for name, result in results.items():
        with open(os.path.join(here, name), "w") as f:
            json.dump(result, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
