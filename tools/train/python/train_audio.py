"""Trains the EmoLens audio encoder on the tensors tools/train/prepare-audio.ts wrote (log-mel + prosody stats).

Architecture (mirrored layer by layer in tools/train/export-audio.ts for tfjs):
  mel [B, T, 64] -> BatchNorm over the 64 mel bins (the input normaliser: its running stats ship in the weights)
    -> 2x2 average pool -> 4 x (conv3x3 same + BN + ReLU), 2x2 max-pool after the first 3 -> global average pool
    (any T works) -> 64
  prosody_stats [B, P] -> BatchNorm (normaliser)
  concat -> dropout -> Linear(64+P, 64) + ReLU = `embedding` -> dropout -> Linear(64, 7) = `logits` (LABELS order)

Training: class-weighted cross entropy, AdamW, cosine LR, feature-space augmentation (time shift, gain as a log-mel
offset that also moves energyMeanDb, SpecAugment time/frequency masks after the input normaliser). One checkpoint per
epoch (resumable with --resume), the best epoch by dev weighted F1 (all dev clips) is kept. Writes into --out:
  state.{json,bin}       eval-mode weights incl. BN running stats (store.py write_state)
  parity_*.{json,bin}    reference inputs/outputs of the best model for the tfjs parity test
  metrics.json           RAVDESS dev (actors 17-20) in the evaluation-contract format; metrics_tess.json, metrics_all.json
  train.log              the log

  /usr/bin/python3 tools/train/python/train_audio.py --data .cache/audio --out .cache/audio/model --minutes 11
  [--extra .cache/audio/aug]   adds the augmented TRAIN copies (rows with augmentOf >= 0) of another prepare-audio
                               store (prepare-audio.ts --augment K); its originals and dev rows are ignored.
"""
import argparse
import json
import math
import os
import shutil
import sys
import time

# One BLAS thread: the trainers set torch to 1 thread, and OpenBLAS (if installed) would otherwise add its own pool.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from store import read_tensor, write_state, write_tensor  # noqa: E402
from contract import LABELS, evaluate  # noqa: E402

BN_EPS = 1e-5


class AudioNet(nn.Module):
    def __init__(self, n_mels=64, n_stats=20, channels=(16, 32, 64, 64), dim=64, n_classes=7, dropout=0.3):
        super().__init__()
        self.channels = list(channels)
        self.mel_bn = nn.BatchNorm1d(n_mels, eps=BN_EPS)
        convs, bns = [], []
        c_in = 1
        for c in channels:
            convs.append(nn.Conv2d(c_in, c, 3, padding=1))
            bns.append(nn.BatchNorm2d(c, eps=BN_EPS))
            c_in = c
        self.convs = nn.ModuleList(convs)
        self.bns = nn.ModuleList(bns)
        self.stats_bn = nn.BatchNorm1d(n_stats, eps=BN_EPS)
        self.drop = nn.Dropout(dropout)
        self.embed = nn.Linear(channels[-1] + n_stats, dim)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, mel, stats, mask=None):
        x = self.mel_bn(mel.transpose(1, 2)).transpose(1, 2)  # normalise each mel bin: [B, T, M]
        if mask is not None:
            x = x * mask  # SpecAugment: masked cells become the bin's mean (0 after the normaliser)
        x = x.unsqueeze(1)  # NCHW: [B, 1, T, M]
        x = F.avg_pool2d(x, 2)  # 20 ms x 32 bands: a quarter of the conv work on these 2 shared CPU cores
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            x = F.relu(bn(conv(x)))
            if i < len(self.convs) - 1:
                x = F.max_pool2d(x, 2)
        x = x.mean(dim=(2, 3))
        h = torch.cat([x, self.stats_bn(stats)], dim=1)
        emb = F.relu(self.embed(self.drop(h)))
        return emb, self.head(self.drop(emb))


def predict(model, mel, stats, batch=128):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(mel), batch):
            out.append(model(mel[i:i + batch], stats[i:i + batch])[1].argmax(1))
    return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.int64)


def augment(mel, stats, frames, energy_idx, pad_value, rng):
    """Feature-space augmentation of one batch (tensors, returns new ones and the SpecAugment mask)."""
    B, T, M = mel.shape
    mel = mel.clone()
    stats = stats.clone()
    # Gain: ±6 dB as an offset of the natural-log mel power on the real (non-padded) frames; energyMeanDb moves too.
    gain = torch.from_numpy(rng.uniform(-1.4, 1.4, size=B).astype(np.float32))
    real = (torch.arange(T)[None, :] < frames[:, None]).float()  # [B, T]
    mel = mel + gain[:, None, None] * real[:, :, None]
    mel = torch.maximum(mel, torch.tensor(pad_value))
    if energy_idx is not None:
        stats[:, energy_idx] += gain * (10.0 / math.log(10.0))
    # Time shift: roll by up to ±30 frames (the clips carry silence at both ends).
    shifts = rng.integers(-30, 31, size=B)
    mel = torch.stack([torch.roll(mel[b], int(shifts[b]), dims=0) for b in range(B)])
    # SpecAugment: one time mask (≤ 30 frames) and one frequency mask (≤ 8 bins) per clip.
    mask = torch.ones(B, T, M)
    for b in range(B):
        w = int(rng.integers(0, 31))
        t0 = int(rng.integers(0, max(1, T - w)))
        mask[b, t0:t0 + w, :] = 0
        f = int(rng.integers(0, 9))
        f0 = int(rng.integers(0, max(1, M - f)))
        mask[b, :, f0:f0 + f] = 0
    return mel, stats, mask


def state_arrays(model):
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/audio")
    ap.add_argument("--out", default=".cache/audio/model")
    ap.add_argument("--minutes", type=float, default=11.0, help="wall-clock budget for training")
    ap.add_argument("--epochs", type=int, default=40, help="upper bound; the cosine schedule spans the epochs that fit the budget")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (smoke tests)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--resume-from", default="",
                    help="with --resume, when --out has no checkpoint yet: copy this one there first (a run committed by an earlier session)")
    ap.add_argument("--parity-frames", type=int, default=96)
    ap.add_argument("--extra", action="append", default=[],
                    help="another prepare-audio store whose augmented train copies are appended to the training set")
    ap.add_argument("--ravdess-repeat", type=int, default=1,
                    help="show each RAVDESS training clip this many times per epoch (TESS is learnt long before RAVDESS)")
    ap.add_argument("--balance", choices=["none", "corpus"], default="none",
                    help="corpus: draw each epoch so every corpus weighs sqrt(its size) and, within it, its classes weigh "
                         "alike (no class weights then); none: every clip once, class-weighted loss")
    ap.add_argument("--epoch-size", type=int, default=0, help="clips drawn per epoch with --balance corpus (default: the train rows)")
    ap.add_argument("--mask-missing", action="store_true",
                    help="score each clip only among the classes its corpus has (CREMA-D has no surprise: it must not "
                         "teach that surprise never sounds like that)")
    ap.add_argument("--select", choices=["dev-wf1", "corpus-mean-acc"], default="dev-wf1",
                    help="best epoch by weighted F1 over all dev clips, or by the mean over corpora of dev accuracy")
    ap.add_argument("--channels", default="16,32,64,64", help="conv widths")
    ap.add_argument("--require-finished", action="store_true",
                    help="exit 75 without exporting when the time budget ends the run before its planned epochs (releases)")
    ap.add_argument("--hold-out", default="",
                    help="leave this corpus out of training and of model selection (leave-one-corpus-out); its original "
                         "clips, every speaker, are scored at the end (metrics_holdout.json)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log_file = open(os.path.join(args.out, "train.log"), "a")
    # A store normalised against its speakers (normalize-speakers.ts) carries the reference the page must use too:
    # it travels with the weights (the exporter writes it into the model's metadata).
    if os.path.exists(os.path.join(args.data, "speaker-norm.json")):
        shutil.copyfile(os.path.join(args.data, "speaker-norm.json"), os.path.join(args.out, "speaker-norm.json"))

    def log(msg):
        line = f"[{time.strftime('%H:%M:%S')}] {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    t_start = time.time()
    mel_np, mel_meta = read_tensor(os.path.join(args.data, "mel"))
    stats_np, stats_meta = read_tensor(os.path.join(args.data, "prosody_stats"))
    labels_np, _ = read_tensor(os.path.join(args.data, "labels"))
    frames_np, _ = read_tensor(os.path.join(args.data, "frames"))
    split_np, meta = read_tensor(os.path.join(args.data, "meta"))
    # meta["corpus"] names the originals; an augmented copy (augmentOf >= 0) is of its original's corpus.
    originals = np.array(meta["corpus"])
    aug_of_main = np.array(meta.get("augmentOf") or [-1] * len(labels_np))
    corpus = np.array(["?"] * len(labels_np), dtype=object)
    corpus[:len(originals)] = originals
    copies = np.where(aug_of_main >= 0)[0]
    corpus[copies] = originals[aug_of_main[copies]]
    corpus = corpus.astype(str)
    is_copy = aug_of_main >= 0
    for extra in args.extra:
        e_mel, _ = read_tensor(os.path.join(extra, "mel"))
        e_stats, _ = read_tensor(os.path.join(extra, "prosody_stats"))
        e_labels, _ = read_tensor(os.path.join(extra, "labels"))
        e_frames, _ = read_tensor(os.path.join(extra, "frames"))
        e_split, e_meta = read_tensor(os.path.join(extra, "meta"))
        aug_of = np.array(e_meta.get("augmentOf", [-1] * len(e_labels)))
        keep = np.where((aug_of >= 0) & (e_split == 0))[0]
        e_corpus = np.array(e_meta["corpus"])[aug_of[keep]]
        mel_np = np.concatenate([mel_np, e_mel[keep]])
        stats_np = np.concatenate([stats_np, e_stats[keep]])
        labels_np = np.concatenate([labels_np, e_labels[keep]])
        frames_np = np.concatenate([frames_np, e_frames[keep]])
        split_np = np.concatenate([split_np, e_split[keep]])
        corpus = np.concatenate([corpus, e_corpus])
        is_copy = np.concatenate([is_copy, np.ones(len(keep), dtype=bool)])
        log(f"extra {extra}: {len(keep)} augmented train copies")
    pad_value = float(mel_meta.get("padValue", math.log(1e-6)))
    names = stats_meta.get("names", [])
    energy_idx = names.index("energyMeanDb") if "energyMeanDb" in names else None
    mel = torch.from_numpy(mel_np.astype(np.float32))
    stats = torch.from_numpy(stats_np.astype(np.float32))
    labels = torch.from_numpy(labels_np.astype(np.int64))
    frames = torch.from_numpy(frames_np.astype(np.int64))
    tr = np.where(split_np == 0)[0]
    dv = np.where(split_np == 1)[0]
    held = np.array([], dtype=np.int64)
    if args.hold_out:
        if args.hold_out not in set(corpus.tolist()):
            sys.exit(f"--hold-out {args.hold_out}: no such corpus in {args.data} (it has {sorted(set(corpus.tolist()))})")
        # Every speaker of the held-out corpus, as recorded (its room copies are training material, not a test).
        held = np.where((corpus == args.hold_out) & ~is_copy)[0]
        tr, dv = tr[corpus[tr] != args.hold_out], dv[corpus[dv] != args.hold_out]
        log(f"hold-out {args.hold_out}: {len(held)} clips left out of training and selection")
    log(f"data: {len(labels_np)} clips, train {len(tr)}, dev {len(dv)} (ravdess dev {int((corpus[dv] == 'ravdess').sum())}, "
        f"tess dev {int((corpus[dv] == 'tess').sum())}); mel {list(mel.shape)}, stats {list(stats.shape)}; args {vars(args)}")

    counts = np.bincount(labels_np[tr], minlength=7).astype(np.float64)
    weights = len(tr) / (7 * np.maximum(counts, 1))
    weights[counts == 0] = 0
    corpora = sorted(set(corpus[tr].tolist()))
    # The classes each corpus has (from its training clips): with --mask-missing a clip is scored among those only.
    present = {c: sorted(set(labels_np[tr][corpus[tr] == c].tolist())) for c in corpora}
    class_mask = torch.ones(len(labels_np), 7, dtype=torch.bool)
    if args.mask_missing:
        for c in corpora:
            rows = torch.from_numpy(np.where(corpus == c)[0])
            m = torch.zeros(7, dtype=torch.bool)
            m[present[c]] = True
            class_mask[rows] = m
    log(f"corpora {corpora}; classes present {json.dumps({c: [LABELS[k] for k in v] for c, v in present.items()})}")
    draw_p = None
    if args.balance == "corpus":
        corp_tr, lab_tr = corpus[tr], labels_np[tr]
        mass = {c: math.sqrt(float((corp_tr == c).sum())) for c in corpora}
        total = sum(mass.values())
        draw_p = np.zeros(len(tr))
        for c in corpora:
            for y in present[c]:
                sel = (corp_tr == c) & (lab_tr == y)
                draw_p[sel] = mass[c] / total / len(present[c]) / sel.sum()
        draw_p /= draw_p.sum()
        log(f"balanced draws per corpus {json.dumps({c: round(float(draw_p[corp_tr == c].sum()), 3) for c in corpora})}; no class weights")
        criterion = nn.CrossEntropyLoss()
    else:
        log(f"train label counts {counts.astype(int).tolist()}, class weights {np.round(weights, 3).tolist()}")
        criterion = nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))

    config = {"n_mels": int(mel.shape[2]), "n_stats": int(stats.shape[1]), "channels": [int(c) for c in args.channels.split(",")], "dim": 64, "n_classes": 7}
    model = AudioNet(**config)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-3)
    ckpt_path = os.path.join(args.out, "ckpt.pt")
    epoch, planned, best, best_state, step = 0, args.epochs, -1.0, None, 0
    if args.resume and args.resume_from and not os.path.exists(ckpt_path) and os.path.exists(args.resume_from):
        # A run an earlier session stopped (or finished) and committed: go on from it.
        shutil.copyfile(args.resume_from, ckpt_path)
        log(f"starting from the committed checkpoint {args.resume_from}")
    resumed = args.resume and os.path.exists(ckpt_path)
    if resumed:
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        epoch, planned, best, best_state, step = ck["epoch"], ck["planned"], ck["best"], ck["best_state"], ck["step"]
        rng = np.random.default_rng(args.seed + epoch)
        log(f"resumed at epoch {epoch} (best dev weighted F1 {best:.4f})")

    budget = args.minutes * 60
    t_train = time.time()
    ravdess_dev = dv[corpus[dv] == "ravdess"]
    tr_ravdess = tr[corpus[tr] == "ravdess"]
    tess_dev = dv[corpus[dv] == "tess"]
    stop = False
    while epoch < planned and not stop:
        t_epoch = time.time()
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * epoch / max(1, planned)))
        for g in opt.param_groups:
            g["lr"] = lr
        model.train()
        if draw_p is not None:
            order = rng.choice(tr, size=args.epoch_size or len(tr), replace=True, p=draw_p)
        else:
            order = rng.permutation(np.concatenate([tr] + [tr_ravdess] * (args.ravdess_repeat - 1)))
        total_loss, seen = 0.0, 0
        for i in range(0, len(order), args.batch):
            idx = order[i:i + args.batch]
            if len(idx) < 2:
                continue  # BatchNorm needs ≥ 2 samples
            m, s, mask = augment(mel[idx], stats[idx], frames[idx], energy_idx, pad_value, rng)
            _, logits = model(m, s, mask)
            if args.mask_missing:
                logits = logits.masked_fill(~class_mask[idx], -1e4)
            loss = criterion(logits, labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total_loss += float(loss) * len(idx)
            seen += len(idx)
            step += 1
            if args.max_steps and step >= args.max_steps:
                stop = True
                break
            if time.time() - t_train > budget:
                stop = True
                log("time budget reached inside an epoch")
                break
        epoch += 1
        if epoch == 1 and not resumed and not args.max_steps:
            # Fit the cosine schedule to the epochs the budget allows (a fresh run only: --resume without a checkpoint is one).
            per_epoch = time.time() - t_epoch + 2.0
            planned = min(args.epochs, max(2, int(budget // per_epoch)))
            log(f"first epoch {per_epoch:.1f} s -> planning {planned} epochs")
        dev_idx = dv if len(dv) else tr
        pred = predict(model, mel[dev_idx], stats[dev_idx])
        per_corpus = {c: float((pred[corpus[dev_idx] == c] == labels_np[dev_idx][corpus[dev_idx] == c]).mean())
                      for c in corpora if (corpus[dev_idx] == c).any()}
        score = (float(np.mean(list(per_corpus.values()))) if args.select == "corpus-mean-acc" and per_corpus
                 else evaluate(labels_np[dev_idx], pred)["weightedF1"])
        rav = evaluate(labels_np[ravdess_dev], predict(model, mel[ravdess_dev], stats[ravdess_dev])) if len(ravdess_dev) else None
        msg = (f"epoch {epoch}/{planned} lr {lr:.5f} loss {total_loss / max(1, seen):.4f} dev {args.select} {score:.4f}"
               + f" per-corpus acc {json.dumps({c: round(v, 3) for c, v in per_corpus.items()})}"
               + (f" ravdess-dev acc {rav['accuracy']:.4f} wF1 {rav['weightedF1']:.4f}" if rav else "")
               + f" ({time.time() - t_epoch:.1f} s)")
        if score > best:
            best, best_state = score, {k: v.clone() for k, v in model.state_dict().items()}
            msg += " *best*"
        log(msg)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch, "planned": planned, "best": best,
                    "best_state": best_state, "step": step}, ckpt_path)
        if time.time() - t_train > budget:
            stop = True

    if args.require_finished and epoch < planned:
        # A release must not install a half-trained encoder: the checkpoint holds the run for the next session.
        log(f"stopped by the time budget after epoch {epoch} of {planned}; {ckpt_path} holds the run: the same command goes on from it")
        sys.exit(75)
    model.load_state_dict(best_state)
    model.eval()
    arrays = state_arrays(model)
    write_state(os.path.join(args.out, "state"), arrays, {"config": config, "bnEps": BN_EPS, "labels": LABELS, "statsNames": names,
                                                         "bestDevWeightedF1": best, "epochs": epoch, "steps": step})
    # Parity references: a few real clips (dev first), cropped so the committed files stay small.
    ref = np.concatenate([dv, tr])[:3]
    pm = mel[ref][:, :args.parity_frames].contiguous()
    ps = stats[ref].contiguous()
    with torch.no_grad():
        emb, logits = model(pm, ps)
    write_tensor(os.path.join(args.out, "parity_mel"), pm.numpy())
    write_tensor(os.path.join(args.out, "parity_stats"), ps.numpy())
    write_tensor(os.path.join(args.out, "parity_embedding"), emb.numpy())
    write_tensor(os.path.join(args.out, "parity_logits"), logits.numpy())

    results = {}
    for name, idx in [("ravdess", ravdess_dev), ("tess", tess_dev), ("all", dv)]:
        if len(idx):
            results[name] = evaluate(labels_np[idx], predict(model, mel[idx], stats[idx]))
    corpus_results = {c: evaluate(labels_np[dv[corpus[dv] == c]], predict(model, mel[dv[corpus[dv] == c]], stats[dv[corpus[dv] == c]]))
                      for c in corpora if (corpus[dv] == c).any()}
    with open(os.path.join(args.out, "metrics_corpora.json"), "w") as f:
        json.dump(corpus_results, f, indent=1)
    if len(held):
        res = evaluate(labels_np[held], predict(model, mel[held], stats[held]))
        with open(os.path.join(args.out, "metrics_holdout.json"), "w") as f:
            json.dump({"corpus": args.hold_out, **res}, f, indent=1)
        log(f"held-out {args.hold_out} (never trained on, every speaker): n {res['n']} acc {res['accuracy']:.4f} weighted F1 {res['weightedF1']:.4f}")
    log(f"best model, dev accuracy per corpus {json.dumps({c: round(r['accuracy'], 4) for c, r in corpus_results.items()})}, "
        f"mean {np.mean([r['accuracy'] for r in corpus_results.values()]):.4f}")
    for name, res in results.items():
        fname = "metrics.json" if name == "ravdess" else f"metrics_{name}.json"
        with open(os.path.join(args.out, fname), "w") as f:
            json.dump(res, f, indent=1)
        log(f"best model, {name} dev: n {res['n']} acc {res['accuracy']:.4f} weighted F1 {res['weightedF1']:.4f} macro F1 {res['macroF1']:.4f} "
            f"per class {json.dumps({k: round(v, 3) for k, v in res['perClassF1'].items()})}")
        log(f"{name} dev confusion (rows true, cols pred, {LABELS}): {res['confusion']}")
    log(f"done: {epoch} epochs, {step} steps, train wall {time.time() - t_train:.0f} s, total {time.time() - t_start:.0f} s")


if __name__ == "__main__":
    main()
