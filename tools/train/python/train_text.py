"""Trains EmoLens's own compact text encoder + 7-class head on token ids written by tools/train/prepare-text.ts,
then exports the encoder as ONNX in Hugging Face layout (Transformers.js `pipeline('feature-extraction')` runs it)
and the head as a write_state file for tools/train/export-text.ts (which builds the tfjs LayersModel).

  /usr/bin/python3 tools/train/python/train_text.py --data .cache/text --run .cache/text/run \
      --out public/models/text-encoder-compact [--layers 4] [--mlm-minutes 25] [--minutes 30] [--resume] [--smoke]
      [--emb 100 --word-vectors .cache/text2/word-vectors --word-lr-scale 0.2]   (v3: GloVe-initialised word table)

Phases: optional masked-LM pretraining on the training text itself (--mlm-minutes; resumable), then supervised
fine-tuning of encoder + head (--minutes; resumable), then export of the best epoch.

Model (ALBERT-style factorised embedding, stored int8 per row in the ONNX file, keeps it small):
  word 30522x--emb (64; v3 ships 100) -> Linear emb->128, + position (128) + token type (2) embeddings, LayerNorm, dropout
  --layers x nn.TransformerEncoderLayer(d=128, 4 heads, ffn 256, GELU, batch_first) -> last_hidden_state [B, L, 128]
  head: masked mean pool -> Linear 128->64, tanh = `embedding` -> Linear 64->7 = `logits` (LABELS order)
Selection: best MELD-dev weighted F1 over epochs. Each epoch samples a mix of corpora (see sample_epoch).
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

torch.set_num_threads(1)

CORPORA = ["meld", "emorynlp", "dailydialog", "goemotions", "manifest"]
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]


class TextEncoder(nn.Module):
    """BERT-shaped interface (input_ids, attention_mask, token_type_ids) -> last_hidden_state."""

    def __init__(self, vocab=30522, emb=64, hidden=128, layers=2, heads=4, ffn=256, max_pos=128, dropout=0.1):
        super().__init__()
        self.cfg = dict(vocab_size=vocab, embedding_size=emb, hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=ffn, max_position_embeddings=max_pos)
        self.word = nn.Embedding(vocab, emb, padding_idx=0)
        self.proj = nn.Linear(emb, hidden)
        self.pos = nn.Embedding(max_pos, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.norm = nn.LayerNorm(hidden)
        self.drop = nn.Dropout(dropout)
        self.layers = nn.ModuleList([
            nn.TransformerEncoderLayer(hidden, heads, ffn, dropout, activation="gelu", batch_first=True)
            for _ in range(layers)])

    def forward(self, input_ids, attention_mask, token_type_ids):
        length = input_ids.shape[1]
        positions = torch.arange(length, device=input_ids.device).unsqueeze(0)
        x = self.proj(self.word(input_ids)) + self.pos(positions) + self.token_type(token_type_ids)
        x = self.drop(self.norm(x))
        # Additive float mask (not bool) keeps ONNX export on the plain math path.
        pad = (1.0 - attention_mask.to(x.dtype)) * -1e4
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=pad)
        return x


def mean_pool(hidden, mask):
    """Transformers.js `pooling: 'mean'`: sum over unmasked tokens / their count."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class Head(nn.Module):
    def __init__(self, hidden=128, dim=64, classes=7, dropout=0.1):
        super().__init__()
        self.fc = nn.Linear(hidden, dim)
        self.out = nn.Linear(dim, classes)
        self.drop = nn.Dropout(dropout)

    def forward(self, pooled):
        emb = torch.tanh(self.fc(pooled))
        return emb, self.out(self.drop(emb))


class Classifier(nn.Module):
    def __init__(self, layers=2, emb=64):
        super().__init__()
        self.encoder = TextEncoder(layers=layers, emb=emb)
        self.head = Head()

    def forward(self, ids, mask, types):
        pooled = mean_pool(self.encoder(ids, mask, types), mask)
        emb, logits = self.head(pooled)
        return pooled, emb, logits


class OnnxWrapper(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.encoder(input_ids, attention_mask, token_type_ids)


MASK_ID, CLS_ID, SEP_ID, FIRST_WORDPIECE = 103, 101, 102, 999  # bert-base-uncased: ids below 999 are special/unused


class MlmHead(nn.Module):
    """Masked-language-model readout tied to the factorised word embedding (hidden -> E -> dot with word table)."""

    def __init__(self, encoder):
        super().__init__()
        cfg = encoder.cfg
        self.dense = nn.Linear(cfg["hidden_size"], cfg["embedding_size"])
        self.norm = nn.LayerNorm(cfg["embedding_size"])
        self.bias = nn.Parameter(torch.zeros(cfg["vocab_size"]))

    def forward(self, hidden, word_weight):
        return F.linear(self.norm(F.gelu(self.dense(hidden))), word_weight, self.bias)


def mask_tokens(x, gen, rate=0.15):
    """BERT masking: `rate` of the real word pieces are targets; of those 80% -> [MASK], 10% random, 10% kept.
    Returns (inputs, targets) with targets -100 where nothing is predicted."""
    real = x >= FIRST_WORDPIECE
    pick = (torch.rand(x.shape, generator=gen) < rate) & real
    # Every row predicts at least one token (short utterances would otherwise often give none).
    first_real = torch.argmax(real.int(), dim=1)
    none = ~pick.any(1) & real.any(1)
    pick[none, first_real[none]] = True
    targets = torch.where(pick, x, torch.full_like(x, -100))
    r = torch.rand(x.shape, generator=gen)
    inputs = torch.where(pick & (r < 0.8), torch.full_like(x, MASK_ID), x)
    rand_ids = torch.randint(FIRST_WORDPIECE, 30522, x.shape, generator=gen)
    inputs = torch.where(pick & (r >= 0.8) & (r < 0.9), rand_ids, inputs)
    return inputs, targets


def init_word_table(encoder, path, logfile, seed):
    """Starts the word table from pretrained vectors (tools/train/prepare-word-vectors.ts: GloVe in the WordPiece
    vocabulary). Whole-word entries get their vector (projected by PCA when the table is narrower), the rest
    (continuation pieces, special tokens) random rows of the same scale; the table is scaled to unit std, the scale
    of nn.Embedding's own init. [PAD] stays zero."""
    table, meta = read_tensor(path)
    found = read_tensor(path + ".found")[0].astype(bool)
    vocab, dims = table.shape
    width = encoder.cfg["embedding_size"]
    if vocab != encoder.cfg["vocab_size"]:
        raise SystemExit(f"{path}: {vocab} rows, the encoder's vocabulary has {encoder.cfg['vocab_size']}")
    known = table[found].astype(np.float64)
    known -= known.mean(0)
    if width < dims:
        _, _, vt = np.linalg.svd(known, full_matrices=False)
        known = known @ vt[:width].T
    elif width > dims:
        raise SystemExit(f"--emb {width} is wider than the word vectors ({dims})")
    known /= known.std()
    out = np.random.default_rng(seed).normal(0.0, 1.0, (vocab, width))
    out[found] = known
    out[0] = 0.0
    with torch.no_grad():
        encoder.word.weight.copy_(torch.from_numpy(out.astype(np.float32)))
    log(logfile, f"word table initialised from {path} ({meta.get('source', '?')}): {int(found.sum())} of {vocab} rows")


def param_groups(model, word_lr_scale):
    """The pretrained word table can learn more slowly than the rest (lr_scale on its group)."""
    word = model.encoder.word.weight
    rest = [p for p in model.parameters() if p is not word]
    return [{"params": rest, "lr_scale": 1.0}, {"params": [word], "lr_scale": word_lr_scale}]


def pretrain_mlm(model, ids, lengths, args, logfile, rng):
    """Self-supervised pretraining of the encoder on the training corpora's own text (no labels): masked-token
    prediction for args.mlm_minutes of wall clock, resumable from <run>/mlm.pt. Returns the encoder's state."""
    path = os.path.join(args.run, "mlm.pt")
    head = MlmHead(model.encoder)
    params = list(model.encoder.parameters()) + list(head.parameters())
    word = model.encoder.word.weight
    opt = torch.optim.AdamW([{"params": [p for p in params if p is not word], "lr_scale": 1.0},
                             {"params": [word], "lr_scale": args.word_lr_scale}], lr=args.mlm_lr, weight_decay=0.01)
    st = {"step": 0, "seconds": 0.0, "done": False}
    if os.path.exists(path):
        ck = torch.load(path)
        model.encoder.load_state_dict(ck["encoder"]); head.load_state_dict(ck["head"]); opt.load_state_dict(ck["opt"])
        st = ck["state"]
        log(logfile, f"MLM: resumed at step {st['step']} ({st['seconds'] / 60:.1f} min done)")
    if st["done"]:
        return
    gen = torch.Generator().manual_seed(args.seed + st["step"])
    budget = args.mlm_minutes * 60
    t0, last_save, loss_avg = time.time(), time.time(), None
    model.train(); head.train()
    while True:
        order = rng.permutation(len(ids))
        for rows in batches_by_length(order, lengths, args.batch, rng):
            used = st["seconds"] + time.time() - t0
            if used >= budget:
                break
            lr = args.mlm_lr * min(1.0, (st["step"] + 1) / 500) * max(0.02, 1 - used / budget)
            for g in opt.param_groups:
                g["lr"] = lr * g.get("lr_scale", 1.0)
            x, m, t = to_batch(ids, rows)
            inputs, targets = mask_tokens(x, gen)
            hidden = model.encoder(inputs, m, t)
            sel = targets != -100
            logits = head(hidden[sel], model.encoder.word.weight)
            loss = F.cross_entropy(logits, targets[sel])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            st["step"] += 1
            loss_avg = float(loss) if loss_avg is None else 0.98 * loss_avg + 0.02 * float(loss)
            if st["step"] % 200 == 0:
                log(logfile, f"MLM step {st['step']} loss {loss_avg:.3f} lr {lr:.2e} {used / 60:.1f}/{args.mlm_minutes} min")
            if time.time() - last_save > 120:
                st_save = dict(st, seconds=st["seconds"] + time.time() - t0)
                torch.save({"encoder": model.encoder.state_dict(), "head": head.state_dict(), "opt": opt.state_dict(), "state": st_save}, path)
                last_save = time.time()
        else:
            continue
        break
    st["seconds"] += time.time() - t0
    st["done"] = True
    torch.save({"encoder": model.encoder.state_dict(), "head": head.state_dict(), "opt": opt.state_dict(), "state": st}, path)
    log(logfile, f"MLM done: {st['step']} steps in {st['seconds'] / 60:.1f} min, final loss {loss_avg:.3f}")


def quantize_rows_int8(weight):
    """Symmetric per-row int8: q = round(w / s), s = max|row| / 127. Returns (q int8, s float32 [rows])."""
    scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127.0
    q = torch.round(weight / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return q, scale


def quantize_onnx_word_embedding(onnx_path, q, scale):
    """Rewrites the exported graph so the word table is stored as int8 + one float scale per row (4x smaller):
    Gather(table, ids) becomes Cast(Gather(q, ids)) * Unsqueeze(Gather(scale, ids)). PyTorch computes the same
    product (the model was fake-quantised before export), so the parity references still hold."""
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    model = onnx.load(onnx_path)
    g = model.graph
    shape = list(q.shape)
    init = next(i for i in g.initializer if list(i.dims) == shape)
    node = next(n for n in g.node if n.op_type == "Gather" and n.input[0] == init.name)
    ids, out = node.input[1], node.output[0]
    g.initializer.remove(init)
    g.initializer.extend([numpy_helper.from_array(q.numpy(), "word_embedding_int8"),
                          numpy_helper.from_array(scale.numpy().astype(np.float32), "word_embedding_scale"),
                          numpy_helper.from_array(np.array([-1], dtype=np.int64), "word_embedding_last_axis")])
    new_nodes = [
        helper.make_node("Gather", ["word_embedding_int8", ids], ["word_q_rows"], axis=0),
        helper.make_node("Cast", ["word_q_rows"], ["word_q_float"], to=TensorProto.FLOAT),
        helper.make_node("Gather", ["word_embedding_scale", ids], ["word_row_scale"], axis=0),
        helper.make_node("Unsqueeze", ["word_row_scale", "word_embedding_last_axis"], ["word_row_scale_1"]),
        helper.make_node("Mul", ["word_q_float", "word_row_scale_1"], [out]),
    ]
    at = list(g.node).index(node)
    g.node.remove(node)
    for k, n in enumerate(new_nodes):
        g.node.insert(at + k, n)
    onnx.checker.check_model(model)
    onnx.save(model, onnx_path)


def load_split(data, name):
    ids, meta = read_tensor(os.path.join(data, name + ".ids"))
    labels, _ = read_tensor(os.path.join(data, name + ".labels"))
    corpus, _ = read_tensor(os.path.join(data, name + ".corpus"))
    return ids.astype(np.int64), labels.astype(np.int64), corpus.astype(np.int64), meta


def sample_epoch(labels, corpus, rng, args):
    """Indices for one epoch: MELD x meld_repeat (the target domain), all EmoryNLP, all non-neutral DailyDialog +
    a dd_neutral fraction of its neutrals (it is ~83% neutral), a goemotions fraction of GoEmotions; capped at
    epoch_rows."""
    parts = []
    for c, name in enumerate(CORPORA):
        idx = np.nonzero(corpus == c)[0]
        if len(idx) == 0:
            continue
        if name == "meld":
            parts += [idx] * args.meld_repeat
        elif name == "dailydialog":
            neutral = idx[labels[idx] == 0]
            parts += [idx[labels[idx] != 0], rng.choice(neutral, int(len(neutral) * args.dd_neutral), replace=False)]
        elif name == "goemotions":
            parts.append(rng.choice(idx, int(len(idx) * args.goemotions), replace=False))
        else:
            parts.append(idx)
    order = np.concatenate(parts)
    rng.shuffle(order)
    return order[: args.epoch_rows]


def batches_by_length(order, lengths, batch, rng):
    """Sort within chunks of 50 batches by length, then shuffle the batches: each batch is cut to its longest row,
    which makes the 1-thread CPU step ~3x cheaper than always padding to 64."""
    out = []
    chunk = batch * 50
    for s in range(0, len(order), chunk):
        part = order[s:s + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        out += [part[i:i + batch] for i in range(0, len(part), batch)]
    rng.shuffle(out)
    return out


def to_batch(ids, rows):
    x = ids[rows]
    length = max(int((x != 0).sum(1).max()), 1)
    x = torch.from_numpy(x[:, :length])
    mask = (x != 0).long()
    return x, mask, torch.zeros_like(x)


@torch.no_grad()
def predict(model, ids, batch_of=to_batch, batch=256):
    """Class predictions for rows of ids, shortest rows batched together. batch_of(ids, rows) builds the model's
    inputs; model(*inputs)[2] are the logits (both text classifiers follow that contract)."""
    model.eval()
    order = np.argsort((ids != 0).sum(1))
    preds = np.zeros(len(ids), dtype=np.int64)
    for s in range(0, len(ids), batch):
        rows = order[s:s + batch]
        preds[rows] = model(*batch_of(ids, rows))[2].argmax(1).numpy()
    return preds


def log(path, msg):
    print(msg, flush=True)
    with open(path, "a") as f:
        f.write(msg + "\n")


def load_dev_sets(data, names, cap=1000):
    """The dev splits that exist in `data`: MELD's whole (model selection), the other corpora's capped at `cap` rows
    (they are only logged; this keeps per-epoch evaluation cheap on 1 thread)."""
    dev_sets = {}
    for name in names:
        if os.path.exists(os.path.join(data, name + ".ids.json")):
            dids, dlab = load_split(data, name)[:2]
            if not name.startswith("dev_meld") and len(dids) > cap:
                keep = np.random.default_rng(1).choice(len(dids), cap, replace=False)
                dids, dlab = dids[keep], dlab[keep]
            dev_sets[name] = (dids, dlab)
    return dev_sets


def fine_tune(model, opt, train, dev_sets, state, args, logfile, rng, epochs, steps_per_epoch, batch_of=to_batch):
    """The supervised epochs both text trainers (this file and train_use_text.py) share.

    Each epoch samples the corpus mix (sample_epoch), weights classes by (mean count / count)^weight_power, batches
    rows of similar length, and minimises cross-entropy (label smoothing 0.05, gradients clipped at 1). The learning
    rate of each optimizer group is args.lr x its "lr_scale" x a linear warm-up then linear decay over whichever runs
    out first: the steps or this call's args.minutes (a run cut by the budget still ends at a low rate; a resumed run
    restarts warm). After each epoch the dev sets are scored; the best epoch by MELD-dev weighted F1 (else by train
    loss) goes to <run>/best.pt, and a resumable checkpoint to <run>/last.pt. `state` is updated in place.

    train = (ids, labels, corpus); batch_of(ids, rows) builds the model's inputs, and model(*inputs)[2] are logits."""
    ids, labels, corpus = train
    lengths = (ids != 0).sum(1)
    select = "dev_meld" if "dev_meld" in dev_sets else None
    ckpt_path, best_path = os.path.join(args.run, "last.pt"), os.path.join(args.run, "best.pt")
    total_steps = epochs * steps_per_epoch
    warmup = min(300, total_steps // 10 + 1)
    t_start, prev_seconds = time.time(), state.get("seconds", 0.0)

    def sched(s):
        used = prev_seconds + time.time() - t_start
        progress = max(s / max(total_steps, 1), used / (prev_seconds + args.minutes * 60))
        return min(1.0, (s + 1) / warmup) * max(0.05, 1 - progress)

    while state["epoch"] < epochs:
        order = sample_epoch(labels, corpus, rng, args)
        counts = np.bincount(labels[order], minlength=7).astype(np.float64)
        weights = np.where(counts > 0, (counts.sum() / 7 / np.maximum(counts, 1)) ** args.weight_power, 0.0)
        wt = torch.tensor(weights, dtype=torch.float32)
        model.train()
        batches = batches_by_length(order, lengths, args.batch, rng)[:steps_per_epoch]
        loss_sum, seen, t_ep, stopped = 0.0, 0, time.time(), False
        for bi, rows in enumerate(batches):
            for g in opt.param_groups:
                g["lr"] = args.lr * sched(state["step"]) * g.get("lr_scale", 1.0)
            logits = model(*batch_of(ids, rows))[2]
            loss = F.cross_entropy(logits, torch.from_numpy(labels[rows]), weight=wt, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            state["step"] += 1
            loss_sum += float(loss) * len(rows); seen += len(rows)
            if bi % 100 == 0:
                lrs = "/".join(f"{g['lr']:.2e}" for g in opt.param_groups)
                log(logfile, f"epoch {state['epoch'] + 1} step {bi}/{len(batches)} loss {loss_sum / seen:.4f} "
                             f"lr {lrs} {seen / (time.time() - t_ep):.0f} rows/s")
            if time.time() - t_start > args.minutes * 60:
                stopped = True
                break
        state["epoch"] += 1
        state["seconds"] = prev_seconds + time.time() - t_start
        scores = {name: evaluate(dlab, predict(model, dids, batch_of)) for name, (dids, dlab) in dev_sets.items()}
        summary = {k: round(v["weightedF1"], 4) for k, v in scores.items()}
        log(logfile, f"epoch {state['epoch']} done: {seen} rows, loss {loss_sum / max(seen, 1):.4f}, "
                     f"{time.time() - t_ep:.0f} s, dev weighted F1 {json.dumps(summary)}")
        score = scores[select]["weightedF1"] if select else -loss_sum
        state["history"].append({"epoch": state["epoch"], "rows": seen, "loss": loss_sum / max(seen, 1), "dev": summary})
        if score > state["best"]:
            state["best"] = score
            torch.save({"model": model.state_dict(), "epoch": state["epoch"], "scores": scores}, best_path)
            log(logfile, f"  new best ({score:.4f}) saved")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state}, ckpt_path)
        if stopped:
            log(logfile, f"time budget of {args.minutes} min reached after epoch {state['epoch']}")
            break
    log(logfile, f"training wall time {time.time() - t_start:.0f} s")


def restore_best(model, run, logfile):
    """Loads <run>/best.pt into `model` and writes the dev scores of that epoch to <run>/<dev set>_metrics.json."""
    best = torch.load(os.path.join(run, "best.pt"))
    model.load_state_dict(best["model"])
    log(logfile, f"exporting best epoch {best['epoch']}")
    for name, sc in best["scores"].items():
        with open(os.path.join(run, f"{name}_metrics.json"), "w") as f:
            json.dump(sc, f, indent=1)
    return best


def export(model, args, logfile):
    """ONNX (HF layout) + config.json + tokenizer files into args.out; head state + parity references into args.run."""
    model.eval()
    enc = model.encoder
    os.makedirs(os.path.join(args.out, "onnx"), exist_ok=True)
    quantized = None
    if args.quantize_embedding:
        with torch.no_grad():
            q, scale = quantize_rows_int8(enc.word.weight)
            enc.word.weight.copy_(q.float() * scale[:, None])  # fake-quantise: PyTorch now computes what ONNX will
        quantized = (q, scale)
    ids = torch.tensor([[101, 7592, 2088, 102]])
    mask = torch.ones_like(ids)
    wrapper = OnnxWrapper(enc).eval()
    torch.onnx.export(wrapper, (ids, mask, torch.zeros_like(ids)), os.path.join(args.out, "onnx", "model.onnx"),
                      input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
                      dynamic_axes={n: {0: "batch_size", 1: "sequence_length"} for n in
                                    ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]},
                      opset_version=14, do_constant_folding=True)
    if quantized is not None:
        quantize_onnx_word_embedding(os.path.join(args.out, "onnx", "model.onnx"), *quantized)
    # torch.onnx.export restores the wrapper's previous mode on exit: make sure references run without dropout.
    model.eval()
    cfg = enc.cfg
    config = {"model_type": "bert", "architectures": ["BertModel"], "hidden_size": cfg["hidden_size"],
              "num_hidden_layers": cfg["num_hidden_layers"], "num_attention_heads": cfg["num_attention_heads"],
              "intermediate_size": cfg["intermediate_size"], "vocab_size": cfg["vocab_size"],
              "max_position_embeddings": cfg["max_position_embeddings"], "type_vocab_size": 2, "hidden_act": "gelu",
              "pad_token_id": 0, "layer_norm_eps": 1e-5,
              "emolens": {"embedding_size": cfg["embedding_size"], "note": "EmoLens compact encoder (factorised "
                          f"embedding + {cfg['num_hidden_layers']} post-LN nn.TransformerEncoderLayer); not a BERT "
                          "checkpoint, BERT-shaped I/O.", "labels": LABELS, "word_embedding": "int8 per-row" if
                          args.quantize_embedding else "float32",
                          "input": args.input_form, "max_length": args.max_length}}
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    for name in TOKENIZER_FILES:
        src, dst = os.path.join(args.tokenizer_dir, name), os.path.join(args.out, name)
        if os.path.abspath(src) != os.path.abspath(dst):
            shutil.copyfile(src, dst)
    # Transformers.js truncates pipeline inputs to model_max_length: the length the model was trained at (inputs with
    # dialogue context can be long; truncation keeps the turn, which comes first, and drops the oldest context).
    tok_config_path = os.path.join(args.out, "tokenizer_config.json")
    with open(tok_config_path) as f:
        tok_config = json.load(f)
    tok_config["model_max_length"] = args.max_length
    with open(tok_config_path, "w") as f:
        json.dump(tok_config, f, indent=2)
    head = model.head
    write_state(os.path.join(args.run, "head"), {
        "fc.weight": head.fc.weight.detach().numpy(), "fc.bias": head.fc.bias.detach().numpy(),
        "out.weight": head.out.weight.detach().numpy(), "out.bias": head.out.bias.detach().numpy()},
        {"labels": LABELS, "pooled": cfg["hidden_size"], "embedding": 64})
    # Parity references: token ids of a few sentences (from the dev split: TS tokenized them), PyTorch outputs.
    ref_ids = args.parity_ids
    with torch.no_grad():
        pooled_rows, emb_rows, logit_rows, hidden0 = [], [], [], None
        for row in ref_ids:
            n = int((row != 0).sum())
            x = torch.from_numpy(row[None, :n])
            h = enc(x, torch.ones_like(x), torch.zeros_like(x))
            if hidden0 is None:
                hidden0 = h[0].numpy()
            p = h.mean(1)
            e, lg = head(p)
            pooled_rows.append(p[0].numpy()); emb_rows.append(e[0].numpy()); logit_rows.append(lg[0].numpy())
    pdir = os.path.join(args.out, "parity")
    write_tensor(os.path.join(pdir, "ids"), ref_ids.astype(np.int32),
                 {"texts": args.parity_texts, "note": "token ids from src/text/tokenizer.ts, 0 = pad"})
    write_tensor(os.path.join(pdir, "pooled"), np.stack(pooled_rows).astype(np.float32))
    write_tensor(os.path.join(pdir, "embedding"), np.stack(emb_rows).astype(np.float32))
    write_tensor(os.path.join(pdir, "logits"), np.stack(logit_rows).astype(np.float32))
    write_tensor(os.path.join(pdir, "hidden0"), hidden0.astype(np.float32))
    log(logfile, f"exported ONNX ({os.path.getsize(os.path.join(args.out, 'onnx', 'model.onnx'))} bytes) + head + parity refs")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/text")
    ap.add_argument("--run", default=".cache/text/run")
    ap.add_argument("--out", default="public/models/text-encoder-compact")
    ap.add_argument("--tokenizer-dir", default="../shared/models/tokenizers/bert-base-uncased")
    ap.add_argument("--minutes", type=float, default=13.0, help="wall-clock budget for training (export excluded)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--epoch-rows", type=int, default=25000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1.5e-3)
    ap.add_argument("--meld-repeat", type=int, default=2)
    ap.add_argument("--dd-neutral", type=float, default=0.1)
    ap.add_argument("--goemotions", type=float, default=0.3)
    ap.add_argument("--weight-power", type=float, default=0.5, help="class weight = (mean count / count)^power")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=4, help="transformer layers (v1 shipped 2)")
    ap.add_argument("--mlm-minutes", type=float, default=0.0, help="masked-LM pretraining budget before fine-tuning")
    ap.add_argument("--mlm-lr", type=float, default=1e-3)
    ap.add_argument("--emb", type=int, default=64, help="width of the factorised word table")
    ap.add_argument("--word-vectors", default=None, help="pretrained word table (prepare-word-vectors.ts) to start from")
    ap.add_argument("--word-lr-scale", type=float, default=1.0, help="learning-rate multiplier of the word table")
    ap.add_argument("--no-quantize-embedding", dest="quantize_embedding", action="store_false",
                    help="keep the word table float32 (the default stores it int8 per row in the ONNX file)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="2 steps, 1 epoch: for the unit test")
    ap.add_argument("--export-only", action="store_true", help="export the best checkpoint without training")
    args = ap.parse_args()
    os.makedirs(args.run, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    logfile = os.path.join(args.out, "train.log")
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    ids, labels, corpus, meta = load_split(args.data, "train")
    dev_sets = load_dev_sets(args.data, ["dev_meld", "dev_meld_noctx", "dev_emorynlp", "dev_dailydialog"])
    lengths = (ids != 0).sum(1)
    args.input_form = meta.get("input", "formatUtterance(speaker, text)")
    args.max_length = int(ids.shape[1])
    # Parity inputs: fixed sentences tokenized by TS (prepare-text.ts PARITY_TEXTS), else the first train rows.
    if os.path.exists(os.path.join(args.data, "parity.ids.json")):
        pids, pmeta = read_tensor(os.path.join(args.data, "parity.ids"))
        args.parity_ids, args.parity_texts = pids.astype(np.int32), pmeta.get("texts", [])
    else:
        args.parity_ids, args.parity_texts = ids[:4].astype(np.int32), []

    model = Classifier(layers=args.layers, emb=args.emb)
    ckpt_path = os.path.join(args.run, "last.pt")
    state = {"epoch": 0, "step": 0, "best": -1.0, "history": []}
    opt = torch.optim.AdamW(param_groups(model, args.word_lr_scale), lr=args.lr, weight_decay=0.01)
    if (args.resume or args.export_only) and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        model.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); state = ck["state"]
        rng = np.random.default_rng(args.seed + state["epoch"])
        log(logfile, f"resumed from epoch {state['epoch']} (best MELD-dev wF1 {state['best']:.4f})")
    elif args.resume and not args.export_only:
        log(logfile, "resumed before the first fine-tuning epoch")
    elif not args.export_only:
        open(logfile, "w").close()
        log(logfile, f"train_text.py {' '.join(sys.argv[1:])}")
        log(logfile, f"train rows {len(ids)} per corpus " + json.dumps(
            {CORPORA[c]: int((corpus == c).sum()) for c in range(len(CORPORA)) if (corpus == c).any()}))
        log(logfile, f"params {sum(p.numel() for p in model.parameters())}")

    fresh = not args.export_only and state["step"] == 0
    if fresh and args.word_vectors and not os.path.exists(os.path.join(args.run, "mlm.pt")):
        init_word_table(model.encoder, args.word_vectors, logfile, args.seed)
    if args.mlm_minutes > 0 and fresh:
        pretrain_mlm(model, ids, lengths, args, logfile, np.random.default_rng(args.seed + 1000))
        opt = torch.optim.AdamW(param_groups(model, args.word_lr_scale), lr=args.lr, weight_decay=0.01)

    epochs = 1 if args.smoke else args.epochs
    steps_per_epoch = 2 if args.smoke else math.ceil(min(args.epoch_rows, len(ids)) / args.batch)
    if not args.export_only:
        fine_tune(model, opt, (ids, labels, corpus), dev_sets, state, args, logfile, rng, epochs, steps_per_epoch)

    best = restore_best(model, args.run, logfile)
    if "dev_meld" in best["scores"]:
        m = best["scores"]["dev_meld"]
        with open(os.path.join(args.run, "dev_metrics.json"), "w") as f:
            json.dump(m, f, indent=1)
        log(logfile, f"MELD dev (PyTorch): acc {m['accuracy']:.4f} weighted F1 {m['weightedF1']:.4f} macro F1 "
                     f"{m['macroF1']:.4f} per class {json.dumps({k: round(v, 3) for k, v in m['perClassF1'].items()})}")
    export(model, args, logfile)


if __name__ == "__main__":
    main()
