"""Reference values for SingleLabelMetricsTests: scikit-learn's single-label metrics and balanced class weights
on fixed inputs, and the CinC 2017 score computed as the Challenge's score2017 does (F1 of N, A and O from the
confusion matrix, 2 * N_ii / (row sum + column sum), averaged).

Run from the repository root:
  /work/torchenv/bin/python Tests/ECGNetsTests/Fixtures/single-label-metrics/make_sklearn_reference.py
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.utils.class_weight import compute_class_weight

rng = np.random.default_rng(2017)
CLASSES = ["N", "A", "O", "~"]


def case(name, y_true, y_pred, classes=CLASSES):
    labels = list(range(len(classes)))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0)
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    result = {
        "name": name, "classes": classes, "y_true": list(map(int, y_true)), "y_pred": list(map(int, y_pred)),
        "accuracy": accuracy_score(y_true, y_pred),
        "precision": precision.tolist(), "recall": recall.tolist(), "f1": f1.tolist(),
        "support": support.tolist(),
        "macro_f1": f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0),
        "weighted_f1": f1_score(y_true, y_pred, labels=labels, average="weighted", zero_division=0),
        "confusion": matrix.tolist(),
    }
    present = sorted(set(map(int, y_true)))
    result["balanced_class_weight"] = compute_class_weight(
        "balanced", classes=np.array(present), y=np.array(y_true)).tolist()
    result["balanced_classes"] = present
    if classes[:3] == ["N", "A", "O"]:
        scores = []
        for i in range(3):
            denominator = matrix[i, :].sum() + matrix[:, i].sum()
            scores.append(2 * matrix[i, i] / denominator if denominator else 0.0)
        result["cinc2017"] = float(np.mean(scores))
    return result


y_true = rng.choice(4, size=300, p=[0.55, 0.1, 0.28, 0.07])
noise = rng.random(300)
y_pred = np.where(noise < 0.7, y_true, rng.choice(4, size=300))
cases = [case("random 4 classes", y_true, y_pred)]
# Class 3 is never predicted (zero precision denominator), class 1 never true (zero recall denominator).
y_true2 = rng.choice([0, 2, 3], size=60)
y_pred2 = rng.choice([0, 1, 2], size=60)
cases.append(case("absent classes", y_true2, y_pred2))
cases.append(case("perfect", [0, 1, 2, 3, 2, 0], [0, 1, 2, 3, 2, 0]))
cases.append(case("five beat classes", rng.choice(5, size=80), rng.choice(5, size=80), ["N", "S", "V", "F", "Q"]))
out = pathlib.Path(__file__).with_name("sklearn-reference.json")
out.write_text(json.dumps({"sklearn": sklearn.__version__, "cases": cases}, indent=1) + "\n")
print("wrote", out)
