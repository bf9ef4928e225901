"""Fine-tunes Universal Sentence Encoder lite (use_lite.py, weights from its tfjs release) with EmoLens's text head
on the same corpus mix as train_text.py, then exports the encoder (export_use_text.py: int8 ONNX for
Transformers.js) and the head state (tools/train/export-text.ts --state).

    npx tsx tools/train/prepare-text.ts --data ../shared/data/text --out .cache/use/text \
        --tokenizer text-encoder --input-form turn
    /usr/bin/python3 tools/train/python/train_use_text.py --data .cache/use/text --tfjs <USE tfjs dir> \
        --run .cache/use/run --out public/models/text-encoder --parity-ids .cache/use/parity-ids.json \
        [--minutes 45] [--epochs 3] [--resume]

Why fine-tune rather than fit a head on frozen vectors: measured on MELD dev, a head on the frozen vectors gives
weighted F1 ~0.55-0.57; the encoder itself has to learn what separates anger from surprise in sitcom lines.
The encoder learns at a small rate (--encoder-lr) so it keeps what it learnt from Google's data.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_text import CORPORA, LABELS, Head, batches_by_length, evaluate, load_split, log, sample_epoch  # noqa: E402
from use_lite import UseLite  # noqa: E402
from store import write_state, write_tensor  # noqa: E402
import export_use_text  # noqa: E402

# USE vectors are unit length: the head reads them scaled up so its tanh layer starts in a useful range. The scale
# is folded into the exported head's first weight matrix, so the page feeds the unscaled vector.
INPUT_SCALE = 10.0


class UseClassifier(nn.Module):
    def __init__(self, use, dropout=0.1):
        super().__init__()
        self.use = use
        self.drop = nn.Dropout(dropout)
        self.head = Head(hidden=512)

    def forward(self, ids, mask):
        v = self.use(ids, mask)
        emb, logits = self.head(self.drop(v * INPUT_SCALE))
        return v, emb, logits


def to_batch(ids, rows):
    """Rows of right-padded ids -> (ids, mask) cut to the longest row. Id 0 is both padding and USE's unknown
    piece; prepare-text pads with 0, so a row's length is the position after its last non-zero id."""
    x = ids[rows]
    nz = x != 0
    lengths = np.where(nz.any(1), x.shape[1] - np.argmax(nz[:, ::-1], axis=1), 1)
    t = int(lengths.max())
    mask = (np.arange(t)[None, :] < lengths[:, None]).astype(np.int64)
    return torch.from_numpy(x[:, :t]), torch.from_numpy(mask)


@torch.no_grad()
def predict(model, ids, batch=256):
    model.eval()
    order = np.argsort((ids != 0).sum(1))
    preds = np.zeros(len(ids), dtype=np.int64)
    for s in range(0, len(ids), batch):
        rows = order[s:s + batch]
        preds[rows] = model(*to_batch(ids, rows))[2].argmax(1).numpy()
    return preds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/use/text")
    ap.add_argument("--tfjs", required=True)
    ap.add_argument("--run", default=".cache/use/run")
    ap.add_argument("--out", default="public/models/text-encoder")
    ap.add_argument("--parity-ids", required=True)
    ap.add_argument("--minutes", type=float, default=45.0)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--epoch-rows", type=int, default=40000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3, help="head learning rate")
    ap.add_argument("--encoder-lr", type=float, default=5e-5)
    ap.add_argument("--meld-repeat", type=int, default=2)
    ap.add_argument("--dd-neutral", type=float, default=0.1)
    ap.add_argument("--goemotions", type=float, default=0.3)
    ap.add_argument("--weight-power", type=float, default=0.3, help="class weight = (mean count / count)^power")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export-only", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.run, exist_ok=True)
    logfile = os.path.join(args.run, "train.log")
    rng = np.random.default_rng(args.seed)

    ids, labels, corpus, meta = load_split(args.data, "train")
    assert meta.get("inputForm") == "turn", f"{args.data} was not prepared with --input-form turn"
    dev_sets = {}
    for name in ["dev_meld", "dev_emorynlp", "dev_dailydialog"]:
        if os.path.exists(os.path.join(args.data, name + ".ids.json")):
            dids, dlab = load_split(args.data, name)[:2]
            if name != "dev_meld" and len(dids) > 1000:
                keep = np.random.default_rng(1).choice(len(dids), 1000, replace=False)
                dids, dlab = dids[keep], dlab[keep]
            dev_sets[name] = (dids, dlab)
    lengths = (ids != 0).sum(1)

    model = UseClassifier(UseLite().load_tfjs(args.tfjs))
    groups = [{"params": model.use.parameters(), "lr_base": args.encoder_lr},
              {"params": model.head.parameters(), "lr_base": args.lr}]
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=0.01)
    ckpt_path, best_path = os.path.join(args.run, "last.pt"), os.path.join(args.run, "best.pt")
    state = {"epoch": 0, "step": 0, "best": -1.0, "history": [], "seconds": 0.0}
    if (args.resume or args.export_only) and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); state = ck["state"]
        rng = np.random.default_rng(args.seed + state["epoch"])
        log(logfile, f"resumed after epoch {state['epoch']} (best MELD-dev wF1 {state['best']:.4f})")
    elif not args.export_only:
        open(logfile, "w").close()
        log(logfile, f"train_use_text.py {' '.join(sys.argv[1:])}")
        log(logfile, f"train rows {len(ids)} per corpus " + json.dumps(
            {CORPORA[c]: int((corpus == c).sum()) for c in range(len(CORPORA)) if (corpus == c).any()}))
        log(logfile, f"params {sum(p.numel() for p in model.parameters())}")
        # Epoch 0: the frozen encoder with an untrained head, as a floor for the log.

    steps_per_epoch = math.ceil(min(args.epoch_rows, len(ids)) / args.batch)
    total_steps = args.epochs * steps_per_epoch
    warmup = min(300, total_steps // 10 + 1)
    t_start, prev_seconds = time.time(), state["seconds"]

    def sched(s):
        used = prev_seconds + time.time() - t_start
        progress = max(s / max(total_steps, 1), used / (args.minutes * 60))
        return min(1.0, (s + 1) / warmup) * max(0.05, 1 - progress)

    while not args.export_only and state["epoch"] < args.epochs and prev_seconds + time.time() - t_start < args.minutes * 60:
        order = sample_epoch(labels, corpus, rng, args)
        counts = np.bincount(labels[order], minlength=7).astype(np.float64)
        weights = np.where(counts > 0, (counts.sum() / 7 / np.maximum(counts, 1)) ** args.weight_power, 0.0)
        wt = torch.tensor(weights, dtype=torch.float32)
        model.train()
        batches = batches_by_length(order, lengths, args.batch, rng)[:steps_per_epoch]
        loss_sum, seen, t_ep = 0.0, 0, time.time()
        for bi, rows in enumerate(batches):
            for g in opt.param_groups:
                g["lr"] = g["lr_base"] * sched(state["step"])
            x, m = to_batch(ids, rows)
            _, _, logits = model(x, m)
            loss = F.cross_entropy(logits, torch.from_numpy(labels[rows]), weight=wt, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            state["step"] += 1
            loss_sum += float(loss) * len(rows); seen += len(rows)
            if bi % 100 == 0:
                log(logfile, f"epoch {state['epoch'] + 1} step {bi}/{len(batches)} loss {loss_sum / seen:.4f} "
                             f"lr {opt.param_groups[0]['lr']:.2e}/{opt.param_groups[1]['lr']:.2e} {seen / (time.time() - t_ep):.0f} rows/s")
            if prev_seconds + time.time() - t_start > args.minutes * 60:
                break
        state["epoch"] += 1
        state["seconds"] = prev_seconds + time.time() - t_start
        scores = {name: evaluate(dlab, predict(model, dids)) for name, (dids, dlab) in dev_sets.items()}
        summary = {k: round(v["weightedF1"], 4) for k, v in scores.items()}
        state["history"].append({"epoch": state["epoch"], "rows": seen, "loss": loss_sum / max(seen, 1), **summary})
        log(logfile, f"epoch {state['epoch']} done: {seen} rows, loss {loss_sum / max(seen, 1):.4f}, "
                     f"dev weighted F1 {json.dumps(summary)}, {state['seconds'] / 60:.1f} min")
        if scores["dev_meld"]["weightedF1"] > state["best"]:
            state["best"] = scores["dev_meld"]["weightedF1"]
            torch.save(model.state_dict(), best_path)
            for name, sc in scores.items():
                with open(os.path.join(args.run, f"{name}_metrics.json"), "w") as f:
                    json.dump(sc, f, indent=1)
            log(logfile, f"  new best MELD-dev weighted F1 {state['best']:.4f}")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt_path)

    model.load_state_dict(torch.load(best_path))
    model.eval()
    head = model.head
    write_state(os.path.join(args.run, "head"), {
        "fc.weight": head.fc.weight.detach().numpy() * INPUT_SCALE, "fc.bias": head.fc.bias.detach().numpy(),
        "out.weight": head.out.weight.detach().numpy(), "out.bias": head.out.bias.detach().numpy()},
        {"labels": LABELS, "pooled": 512, "embedding": 64})
    torch.save(model.use.state_dict(), os.path.join(args.run, "use_best.pt"))
    log(logfile, f"best MELD-dev weighted F1 {state['best']:.4f}; exporting the encoder")
    export_use_text.export(model.use.eval(), args.out, args.parity_ids, logfile=lambda m: log(logfile, m))
    # Head references on the same parity texts, through the fake-quantised encoder the ONNX file holds.
    p = json.load(open(args.parity_ids))
    with torch.no_grad():
        _, emb, logits = model.eval()(*export_use_text.pad(p["ids"]))
    write_tensor(os.path.join(args.out, "parity", "embedding"), emb.numpy().astype(np.float32))
    write_tensor(os.path.join(args.out, "parity", "logits"), logits.numpy().astype(np.float32))


if __name__ == "__main__":
    main()
