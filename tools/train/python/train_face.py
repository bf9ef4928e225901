"""Trains the EmoLens face encoder (a compact CNN on 48x48 gray crops) from tensors written by
tools/train/prepare-faces.ts (the TypeScript cropFace output, uint8 [N,48,48] + int32 labels in LABELS order).

    /usr/bin/python3 tools/train/python/train_face.py --data .cache/faces --work .cache/faces/run \
        --out public/models/face-encoder [--epochs 8] [--budget-min 14] [--resume] [--smoke] \
        [--channels 16,32,64,160 --convs 1,2,2,2] [--teacher .cache/faces/teacher_train --kd-weight 0.5 --tau 2]

--teacher: 7-class probabilities of a pretrained teacher on the same training crops (tools/train/face-teacher.ts,
LABELS order); the loss is then (1-w)·CE(labels) + w·tau²·KL(teacher_tau || student_tau) (knowledge distillation).

--soft-weight s: the FER+ annotators' vote distributions (train_soft, from ferplus-votes.csv) as soft targets: per
face (1-s)·CE(FER2013 label) + s·CE(votes), the label alone where FER+ has no usable votes. --select ferplus picks
the epoch by validation accuracy against the FER+ plurality label; both accuracies are logged every epoch, and
<out>/metrics_ferplus.json scores the selected model against FER+.

--minutes M stops after the epoch that ends past M minutes of this run (the checkpoint, one file with the best
epoch's weights in it, holds the run); --require-finished then exits 75 without exporting, and --resume --resume-from
<committed checkpoint> goes on from it in a fresh work folder: training that outlives a session.

--camera-prob p: a training crop is replaced, at rate p, by one of its webcam-degraded copies (prepare-faces.ts
--camera-copies K, the TypeScript webcamDegrade the evaluation's conditions are made of) before the usual flips,
warps and brightness changes.

Writes <work>/state (weights for tools/train/export-face.ts, eval-mode BN statistics), <work>/ckpt.pt (resumable
checkpoint, every epoch), <out>/parity/{input,embedding,logits} (reference outputs for the tfjs parity test),
<out>/metrics.json and <out>/train.log.

The architecture is described by ARCH (stored in the state's meta) so the TypeScript exporter rebuilds exactly
the same graph: input BatchNorm (the normaliser) -> blocks of [conv3x3(no bias)+BN+ReLU] x n + maxpool2 (+dropout)
-> global average pooling -> dense+ReLU "embedding" (D=64) -> dense "logits" (7).
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

# Chosen for throughput on one CPU thread (~250 img/s training, measured) within the 2 MB budget (~1.2 MB).
ARCH = {"channels": [16, 32, 64, 128], "convs": [1, 2, 2, 2], "embedding": 64, "classes": 7, "size": 48,
        "bnEpsilon": 1e-5}


class FaceNet(nn.Module):
    def __init__(self, arch=ARCH, dropout=(0.0, 0.1, 0.2, 0.3), head_dropout=0.4):
        super().__init__()
        self.input_bn = nn.BatchNorm2d(1, eps=arch["bnEpsilon"])
        blocks, cin = [], 1
        for b, (c, n) in enumerate(zip(arch["channels"], arch["convs"])):
            layers = []
            for _ in range(n):
                layers += [nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNorm2d(c, eps=arch["bnEpsilon"]), nn.ReLU(inplace=True)]
                cin = c
            layers.append(nn.MaxPool2d(2))
            if dropout[b] > 0:
                layers.append(nn.Dropout2d(dropout[b]) if b < 3 else nn.Dropout(dropout[b]))
            blocks.append(nn.Sequential(*layers))
        self.blocks = nn.Sequential(*blocks)
        self.embedding = nn.Linear(cin, arch["embedding"])
        self.head_dropout = nn.Dropout(head_dropout)
        self.logits = nn.Linear(arch["embedding"], arch["classes"])

    def forward(self, x):  # x: [B,1,48,48] in [0,1]
        h = self.blocks(self.input_bn(x))
        emb = F.relu(self.embedding(h.mean(dim=(2, 3))))
        return emb, self.logits(self.head_dropout(emb))


def tf_state(model):
    """Named arrays for the exporter (PyTorch layouts; the TS side transposes). BN as gamma/beta/mean/var."""
    out = {}
    for name, t in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        out[name] = t.detach().cpu().numpy().astype(np.float32)
    return out


def load_tfjs_weights(model, model_dir):
    """Inverse of tools/train/export-face.ts: copies a shipped tfjs LayersModel (model.json + weights.bin) back into
    FaceNet, so a new run can continue from the released weights (the PyTorch checkpoints are not kept)."""
    with open(os.path.join(model_dir, "model.json")) as f:
        manifest = json.load(f)["weightsManifest"]
    raw, arrays, offset = b"".join(open(os.path.join(model_dir, p), "rb").read() for g in manifest for p in g["paths"]), {}, 0
    for g in manifest:
        for w in g["weights"]:
            assert w["dtype"] == "float32", w
            n = int(np.prod(w["shape"]))
            arrays[w["name"]] = np.frombuffer(raw, dtype="<f4", count=n, offset=offset).reshape(w["shape"])
            offset += 4 * n
    torch_names = {"input_bn": "input_bn"}
    for b, n_convs in enumerate(model_convs(model)):
        for j in range(n_convs):
            torch_names[f"b{b}_conv{j}"] = f"blocks.{b}.{3 * j}"
            torch_names[f"b{b}_bn{j}"] = f"blocks.{b}.{3 * j + 1}"
    torch_names.update(embedding="embedding", logits="logits")
    bn_keys = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}
    state = model.state_dict()
    loaded = set()
    for name, arr in arrays.items():
        layer, key = name.split("/")
        if key == "kernel":
            # tfjs conv [kh,kw,in,out] -> torch [out,in,kh,kw]; dense [in,out] -> [out,in]
            t = arr.transpose(3, 2, 0, 1) if arr.ndim == 4 else arr.T
            target = f"{torch_names[layer]}.weight"
        else:
            t, target = arr, f"{torch_names[layer]}.{bn_keys.get(key, key)}"
        assert state[target].shape == t.shape, f"{name} {t.shape} vs {target} {tuple(state[target].shape)}"
        state[target] = torch.from_numpy(np.ascontiguousarray(t))
        loaded.add(target)
    missing = [k for k in state if k not in loaded and not k.endswith("num_batches_tracked")]
    assert not missing, f"not in {model_dir}: {missing}"
    model.load_state_dict(state)


def model_convs(model):
    return [sum(isinstance(m, nn.Conv2d) for m in block) for block in model.blocks]


def kd_loss(student_logits, teacher_probs, tau):
    """tau²·KL(p_t^(1/tau) normalised || softmax(s/tau)), batch mean (Hinton et al.: tau² keeps gradients comparable)."""
    t = F.softmax(torch.log(teacher_probs.clamp_min(1e-8)) / tau, dim=1)
    return F.kl_div(F.log_softmax(student_logits / tau, dim=1), t, reduction="batchmean") * tau * tau


def augment(x, gen, strength=1.0):
    """Random flip, rotation (±10°), scale (0.9–1.1), shift (±4 px) in one affine warp, then brightness/contrast.
    `strength` scales every range (short schedules underfit with the full ranges: see the model card)."""
    b = x.shape[0]
    angle = (torch.rand(b, generator=gen) * 2 - 1) * math.radians(10) * strength
    scale = 1 + (torch.rand(b, generator=gen) * 2 - 1) * 0.1 * strength
    flip = torch.where(torch.rand(b, generator=gen) < 0.5, -1.0, 1.0)
    shift = (torch.rand(b, 2, generator=gen) * 2 - 1) * (4 / 24) * strength  # normalised coords: 24 px = 1.0
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos * flip, -sin, shift[:, 0]], 1), torch.stack([sin * flip, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    contrast = 1 + (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1) * 0.25 * strength
    bright = (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1) * 0.12 * strength
    return ((x - mean) * contrast + mean + bright).clamp(0, 1)


def load_split(data_dir, prefix, limit=None):
    x, _ = read_tensor(os.path.join(data_dir, prefix + "_x"))
    y, _ = read_tensor(os.path.join(data_dir, prefix + "_y"))
    if limit:
        x, y = x[:limit], y[:limit]
    return torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1), torch.from_numpy(y.astype(np.int64))


def load_soft(data_dir, prefix, n):
    """FER+ vote distributions [N,7] (prepare-faces.ts `<split>_soft`; zero rows: no usable votes), or None."""
    path = os.path.join(data_dir, prefix + "_soft")
    if not os.path.exists(path + ".json"):
        return None
    soft, _ = read_tensor(path)
    assert soft.shape == (n, 7), f"{path}: {soft.shape}, want ({n}, 7)"
    return torch.from_numpy(soft.astype(np.float32))


def load_camera_copies(data_dir, n):
    """The webcam-degraded copies of the training crops (prepare-faces.ts --camera-copies: train_cam<k>_x), [K,N,1,48,48]."""
    copies = []
    while os.path.exists(os.path.join(data_dir, f"train_cam{len(copies)}_x.json")):
        x, _ = read_tensor(os.path.join(data_dir, f"train_cam{len(copies)}_x"))
        assert x.shape[0] == n, f"train_cam{len(copies)}_x has {x.shape[0]} crops, train_x {n}"
        copies.append(torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1))
    return torch.stack(copies) if copies else None


def with_camera_copies(x, idx, copies, prob, gen):
    """Each crop of the batch replaced, with probability `prob`, by one of its degraded copies (drawn at random)."""
    if copies is None or prob <= 0:
        return x
    swap = torch.rand(len(idx), generator=gen) < prob
    which = torch.randint(0, copies.shape[0], (len(idx),), generator=gen)
    out = x.clone()
    out[swap] = copies[which[swap], idx[swap]]
    return out


def soft_cross_entropy(logits, target):
    """Per-row cross-entropy against a distribution (the annotators' votes)."""
    return -(target * F.log_softmax(logits, dim=1)).sum(1)


def plurality_accuracy(logits, soft):
    """Accuracy against the FER+ plurality label, over the faces with a unique plurality among the seven."""
    has = soft.sum(1) > 0
    top = soft.max(1, keepdim=True).values
    unique = has & ((soft == top).sum(1) == 1)
    if not unique.any():
        return float("nan"), 0
    return (logits[unique].argmax(1) == soft[unique].argmax(1)).float().mean().item(), int(unique.sum())


@torch.no_grad()
def predict(model, x, batch=512):
    model.eval()
    embs, logits = [], []
    for i in range(0, len(x), batch):
        e, l = model(x[i:i + batch])
        embs.append(e)
        logits.append(l)
    return torch.cat(embs), torch.cat(logits)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/faces")
    ap.add_argument("--work", default=".cache/faces/run")
    ap.add_argument("--out", default="public/models/face-encoder")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--budget-min", type=float, default=14.0, help="wall-clock cap; the LR schedule is fitted to it")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--aug", type=float, default=1.0, help="augmentation strength (1 = full ranges)")
    ap.add_argument("--dropout", type=float, default=1.0, help="multiplier on every dropout rate")
    ap.add_argument("--channels", default=",".join(map(str, ARCH["channels"])), help="conv widths per block")
    ap.add_argument("--convs", default=",".join(map(str, ARCH["convs"])), help="convs per block")
    ap.add_argument("--teacher", default=None, help="teacher probabilities [N,7] for the train split (face-teacher.ts)")
    ap.add_argument("--kd-weight", type=float, default=0.5, help="weight of the distillation term (0..1)")
    ap.add_argument("--tau", type=float, default=2.0, help="distillation temperature")
    ap.add_argument("--soft-weight", type=float, default=0.0,
                    help="weight of the FER+ vote distributions (train_soft) against the FER2013 labels, 0..1; faces without votes keep their label")
    ap.add_argument("--camera-prob", type=float, default=0.0,
                    help="rate at which a training crop is replaced by one of its webcam-degraded copies (train_cam<k>_x)")
    ap.add_argument("--select", choices=["fer2013", "ferplus"], default="fer2013",
                    help="model selection: validation accuracy on FER2013's labels, or on the FER+ plurality label")
    ap.add_argument("--init-from", default=None,
                    help="start from an exported tfjs model folder (e.g. public/models/face-encoder) instead of random weights")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--resume-from", default="", help="with --resume and no checkpoint in --work: start from this committed checkpoint file")
    ap.add_argument("--minutes", type=float, default=0, help="stop after the epoch that ends past this many minutes of this run (0: no limit)")
    ap.add_argument("--require-finished", action="store_true", help="exit 75 without exporting when --minutes stops the run early (releases)")
    ap.add_argument("--finalize", action="store_true",
                    help="no training: export <work>/best.pt (state, metrics, parity), e.g. when a run must stop early")
    ap.add_argument("--smoke", action="store_true", help="2 steps on whatever data is given (tests)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)  # another engineer trains on the same 2 cores
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, "train.log")
    log_file = open(log_path, "a" if args.resume or args.finalize else "w")

    def log(msg):
        print(msg, flush=True)
        log_file.write(msg + "\n")
        log_file.flush()

    started = time.time()
    x_train, y_train = load_split(args.data, "train")
    x_val, y_val = load_split(args.data, "val")
    soft_train = load_soft(args.data, "train", len(x_train)) if args.soft_weight > 0 else None
    soft_val = load_soft(args.data, "val", len(x_val))
    camera = load_camera_copies(args.data, len(x_train)) if args.camera_prob > 0 else None
    assert args.camera_prob == 0 or camera is not None, f"--camera-prob {args.camera_prob}: no train_cam0_x in {args.data} (prepare-faces.ts --camera-copies K)"
    assert args.soft_weight == 0 or soft_train is not None, f"--soft-weight {args.soft_weight}: no train_soft in {args.data} (prepare-faces.ts writes it from ferplus-votes.csv)"
    assert args.select == "fer2013" or soft_val is not None, f"--select ferplus: no val_soft in {args.data}"
    arch = dict(ARCH, channels=[int(c) for c in args.channels.split(",")], convs=[int(c) for c in args.convs.split(",")])
    assert len(arch["channels"]) == len(arch["convs"]) == 4, "4 blocks (the dropout schedule has 4 rates)"
    teacher = None
    if args.teacher:
        tp, _ = read_tensor(args.teacher)
        assert tp.shape == (len(x_train), 7), f"teacher {tp.shape} vs train {len(x_train)}"
        teacher = torch.from_numpy(tp.astype(np.float32))
    counts = np.bincount(y_train.numpy(), minlength=7).astype(np.float64)
    # Class weights ~ 1/sqrt(frequency), mean 1 over present classes: lifts disgust (1.5% of FER) without
    # swamping the loss with it. Absent classes (neutral has data in FER; 'contempt' is never mapped) get 0.
    w = np.where(counts > 0, 1.0 / np.sqrt(np.maximum(counts, 1)), 0.0)
    w = w / w[counts > 0].mean()
    class_weight = torch.tensor(w, dtype=torch.float32)

    model = FaceNet(arch, dropout=tuple(p * args.dropout for p in (0.0, 0.1, 0.2, 0.3)), head_dropout=0.4 * args.dropout)
    n_params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    steps_per_epoch = max(1, len(x_train) // args.batch)
    state = {"epoch": 0, "step": 0, "best_acc": -1.0, "total_steps": None, "elapsed": 0.0}
    ckpt_path = os.path.join(args.work, "ckpt.pt")
    best_path = os.path.join(args.work, "best.pt")
    if args.resume and args.resume_from and not os.path.exists(ckpt_path) and os.path.exists(args.resume_from):
        # A checkpoint committed at the end of an earlier session (the work folder did not survive it).
        shutil.copyfile(args.resume_from, ckpt_path)
        log(f"starting from the committed checkpoint {args.resume_from}")
    if (args.resume or args.finalize) and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        if "best_model" in ck and not os.path.exists(best_path):
            torch.save(ck["best_model"], best_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        gen.set_state(ck["gen"])
        log(f"resumed from epoch {state['epoch']} step {state['step']} (best val acc {state['best_acc']:.4f})")
        if state["total_steps"] and args.epochs * steps_per_epoch < state["total_steps"]:
            # A resumed run may be given fewer epochs than first planned: the cosine schedule is re-fitted to end there.
            state["total_steps"] = args.epochs * steps_per_epoch
            log(f"schedule shortened to {state['total_steps']} steps ({args.epochs} epochs)")
    if args.init_from and state["step"] == 0:
        load_tfjs_weights(model, args.init_from)
        _, init_logits = predict(model, x_val)
        log(f"initialised from {args.init_from}: val acc {(init_logits.argmax(1) == y_val).float().mean().item():.4f}")
    log(f"face encoder: arch {json.dumps(arch)} params {n_params} ({n_params * 4} bytes float32)")
    log(f"train {len(x_train)} val {len(x_val)} counts {counts.astype(int).tolist()} class weights {np.round(w, 3).tolist()}")
    log(f"args {vars(args)}")
    if teacher is not None:
        t_acc = (teacher.argmax(1) == y_train).float().mean().item()
        log(f"teacher {args.teacher}: train accuracy {t_acc:.4f}; KD weight {args.kd_weight} tau {args.tau}")

    def lr_at(step):
        total = state["total_steps"] or args.epochs * steps_per_epoch
        warm = min(200, total // 10)
        if step < warm:
            return args.lr * (step + 1) / warm
        return 0.5 * args.lr * (1 + math.cos(math.pi * min(1.0, (step - warm) / max(1, total - warm))))

    run_started = time.time() - state["elapsed"]
    max_steps = 2 if args.smoke else None
    done = False
    stopped_early = False
    while not done and not args.finalize and state["epoch"] < args.epochs:
        model.train()
        perm = torch.randperm(len(x_train), generator=gen)
        epoch_loss, epoch_ce, epoch_kd, epoch_correct, seen = 0.0, 0.0, 0.0, 0, 0
        t_epoch = time.time()
        for i in range(steps_per_epoch):
            idx = perm[i * args.batch:(i + 1) * args.batch]
            xb = augment(with_camera_copies(x_train[idx], idx, camera, args.camera_prob, gen), gen, args.aug)
            yb = y_train[idx]
            for g in opt.param_groups:
                g["lr"] = lr_at(state["step"])
            _, logits = model(xb)
            ce = F.cross_entropy(logits, yb, weight=class_weight, label_smoothing=0.1)
            if soft_train is not None:
                # Per face: the annotators' distribution where FER+ has one, FER2013's single label otherwise.
                target = soft_train[idx]
                has = (target.sum(1) > 0).float() * args.soft_weight
                ce_rows = F.cross_entropy(logits, yb, weight=class_weight, label_smoothing=0.1, reduction="none") / class_weight[yb].mean()
                ce = ((1 - has) * ce_rows + has * soft_cross_entropy(logits, target)).mean()
            if teacher is not None:
                kd = kd_loss(logits, teacher[idx], args.tau)
                loss = (1 - args.kd_weight) * ce + args.kd_weight * kd
                epoch_kd += kd.item() * len(yb)
            else:
                loss = ce
            epoch_ce += ce.item() * len(yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            state["step"] += 1
            epoch_loss += loss.item() * len(yb)
            epoch_correct += (logits.argmax(1) == yb).sum().item()
            seen += len(yb)
            if state["total_steps"] is None and state["step"] == 40 and not args.smoke:
                # Fit the cosine schedule to the wall-clock budget from the measured speed (the CPU is shared).
                rate = 40 / (time.time() - run_started)
                budget_steps = int(rate * (args.budget_min * 60 - (time.time() - started)) * 0.9)
                state["total_steps"] = min(args.epochs * steps_per_epoch, budget_steps)
                log(f"measured {rate * args.batch:.0f} img/s -> schedule {state['total_steps']} steps "
                    f"({state['total_steps'] / steps_per_epoch:.2f} epochs)")
            if state["step"] % 100 == 0:
                log(f"  step {state['step']} loss {epoch_loss / seen:.4f} (ce {epoch_ce / seen:.4f} kd {epoch_kd / seen:.4f}) acc {epoch_correct / seen:.4f} lr {lr_at(state['step']):.2e}")
            if max_steps and state["step"] >= max_steps:
                done = True
                break
            if state["total_steps"] and state["step"] >= state["total_steps"]:
                done = True
                break
        state["epoch"] += 1
        _, val_logits = predict(model, x_val)
        fer_acc = (val_logits.argmax(1) == y_val).float().mean().item()
        plus_acc, plus_n = plurality_accuracy(val_logits, soft_val) if soft_val is not None else (float("nan"), 0)
        acc = plus_acc if args.select == "ferplus" else fer_acc
        state["elapsed"] = time.time() - run_started
        log(f"epoch {state['epoch']} step {state['step']} train loss {epoch_loss / max(seen, 1):.4f} "
            f"(ce {epoch_ce / max(seen, 1):.4f} kd {epoch_kd / max(seen, 1):.4f}) "
            f"acc {epoch_correct / max(seen, 1):.4f} | val acc {fer_acc:.4f} (FER2013 labels), {plus_acc:.4f} (FER+ plurality, {plus_n} faces) | {time.time() - t_epoch:.0f} s "
            f"({seen / (time.time() - t_epoch):.0f} img/s) elapsed {state['elapsed'] / 60:.1f} min")
        if acc > state["best_acc"]:
            state["best_acc"] = acc
            torch.save(model.state_dict(), best_path)
            log(f"  new best val acc {acc:.4f} ({args.select})")
        # One file holds the whole run (the best epoch's weights too), so it can be committed and resumed elsewhere.
        best_model = torch.load(best_path) if os.path.exists(best_path) else None
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "gen": gen.get_state(), "best_model": best_model}, ckpt_path)
        if args.minutes and time.time() - started > args.minutes * 60 and not done and state["epoch"] < args.epochs:
            stopped_early = True
            log(f"this run's {args.minutes} min are up after epoch {state['epoch']}")
            break

    if stopped_early and args.require_finished:
        # A release must not install a half-trained encoder: the checkpoint holds the run for the next session.
        log(f"unfinished: {ckpt_path} holds the run; the same command goes on from it")
        sys.exit(75)

    # Select by validation accuracy, export in eval mode (BN running statistics).
    model.load_state_dict(torch.load(best_path))
    model.eval()
    write_state(os.path.join(args.work, "state"), tf_state(model), {"arch": arch, "labels": LABELS, "valAccuracy": state["best_acc"]})
    val_emb, val_logits = predict(model, x_val)
    m = evaluate(y_val.numpy(), val_logits.argmax(1).numpy())
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(m, f, indent=1)
    if soft_val is not None:
        # The same faces scored against the FER+ plurality label (both label sets go in the card).
        has = soft_val.sum(1) > 0
        top = soft_val.max(1, keepdim=True).values
        unique = has & ((soft_val == top).sum(1) == 1)
        plus = evaluate(soft_val[unique].argmax(1).numpy(), val_logits[unique].argmax(1).numpy())
        with open(os.path.join(args.out, "metrics_ferplus.json"), "w") as f:
            json.dump(dict(plus, faces=int(unique.sum())), f, indent=1)
        log(f"val against the FER+ plurality ({int(unique.sum())} faces): accuracy {plus['accuracy']:.4f} weightedF1 {plus['weightedF1']:.4f}")
    # Parity references: 3 validation crops + 1 uniform-noise image, through the eval-mode model.
    k = min(3, len(x_val))
    noise = torch.rand(1, 1, 48, 48, generator=torch.Generator().manual_seed(123))
    ref_x = torch.cat([x_val[:k], noise])
    ref_emb, ref_logits = predict(model, ref_x)
    pdir = os.path.join(args.out, "parity")
    write_tensor(os.path.join(pdir, "input"), ref_x.squeeze(1).numpy().astype(np.float32), {"layout": "[N,48,48] in [0,1]"})
    write_tensor(os.path.join(pdir, "embedding"), ref_emb.numpy().astype(np.float32))
    write_tensor(os.path.join(pdir, "logits"), ref_logits.numpy().astype(np.float32))
    log(f"best val acc {state['best_acc']:.4f}; val weightedF1 {m['weightedF1']:.4f} macroF1 {m['macroF1']:.4f}")
    log("per-class F1 " + json.dumps({k2: round(v, 4) for k2, v in m["perClassF1"].items()}))
    log(f"confusion (rows true, cols pred, {LABELS}): {m['confusion']}")
    log(f"total wall {(time.time() - started) / 60:.1f} min")
    log_file.close()


if __name__ == "__main__":
    main()
