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

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from contract import LABELS  # noqa: E402
from train_text import CORPORA, Head, fine_tune, load_dev_sets, load_split, log, restore_best  # noqa: E402
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/use/text")
    ap.add_argument("--tfjs", required=True)
    ap.add_argument("--run", default=".cache/use/run")
    ap.add_argument("--out", default="public/models/text-encoder")
    ap.add_argument("--parity-ids", required=True)
    ap.add_argument("--minutes", type=float, default=45.0, help="wall-clock budget of this call's training")
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
    dev_sets = load_dev_sets(args.data, ["dev_meld", "dev_emorynlp", "dev_dailydialog"])

    model = UseClassifier(UseLite().load_tfjs(args.tfjs))
    groups = [{"params": model.use.parameters(), "lr_scale": args.encoder_lr / args.lr},
              {"params": model.head.parameters(), "lr_scale": 1.0}]
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=0.01)
    ckpt_path = os.path.join(args.run, "last.pt")
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

    steps_per_epoch = math.ceil(min(args.epoch_rows, len(ids)) / args.batch)
    if not args.export_only:
        fine_tune(model, opt, (ids, labels, corpus), dev_sets, state, args, logfile, rng, args.epochs, steps_per_epoch,
                  batch_of=to_batch)

    restore_best(model, args.run, logfile)
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
