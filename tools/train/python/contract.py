"""What the PyTorch trainers share with the TypeScript code: the label order (labels.json, written from
src/labels.ts by tools/train/write-labels.ts) and the metrics, with the definitions of src/eval/metrics.ts
(sklearn's weighted F1, and macro F1 over the classes present in the truth or the predictions)."""
import json
import os

import numpy as np

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "labels.json")) as _f:
    LABELS = json.load(_f)["labels"]


def evaluate(y_true, y_pred, k=len(LABELS)):
    """accuracy, weightedF1, macroF1, perClassF1, confusion (rows true, columns predicted), as the eval CLI writes them."""
    conf = np.zeros((k, k), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        conf[int(t), int(p)] += 1
    support, predicted, tp = conf.sum(1), conf.sum(0), np.diag(conf)
    denom = support + predicted
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    n = int(conf.sum())
    present = denom > 0
    return {"n": n, "accuracy": float(tp.sum() / max(n, 1)), "weightedF1": float((f1 * support).sum() / max(n, 1)),
            "macroF1": float(f1[present].mean()) if present.any() else 0.0,
            "perClassF1": {LABELS[i]: float(f1[i]) for i in range(k)}, "confusion": conf.tolist(), "labels": LABELS}
