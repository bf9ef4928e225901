"""Exports Universal Sentence Encoder lite (use_lite.py) as a Transformers.js feature-extraction model folder.

    /usr/bin/python3 tools/train/python/export_use_text.py --tfjs <dir with model.json + vocab.json> \
        --out public/models/text-encoder --parity-ids .cache/use/parity-ids.json [--tfjs-ref .cache/use/use-ref.json]

Size: the page budget is 8 MB, the float32 model is 28 MB, so every matrix is stored int8 with one float scale per
output row (symmetric, max|row|/127) and dequantised in the graph (Cast * scale). PyTorch is fake-quantised the
same way before export, so the parity references hold for the int8 file.
I/O: BERT-shaped (`input_ids`, `attention_mask` -> `last_hidden_state` [B,T,512]) so the page's pipeline loads it
unchanged. USE's sentence vector comes after a tanh layer on the mean-pooled tokens, which no Transformers.js
pooling can express, so `last_hidden_state` holds the sentence vector at every position: mean pooling returns it.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from use_lite import UseLite  # noqa: E402
from store import write_tensor  # noqa: E402


class SentenceVectorAtEveryPosition(nn.Module):
    def __init__(self, use):
        super().__init__()
        self.use = use

    def forward(self, input_ids, attention_mask):
        v = self.use(input_ids, attention_mask)
        return v.unsqueeze(1).expand(-1, input_ids.shape[1], -1)


def fake_quantize_rows(w):
    """int8 per row (dim 0) of a 2-D weight: returns (q int8, scale float32 [rows]) and writes q*scale into w."""
    scale = (w.abs().amax(dim=1) / 127.0).clamp_min(1e-12)
    q = torch.round(w / scale[:, None]).clamp(-127, 127).to(torch.int8)
    w.copy_(q.float() * scale[:, None])
    return q, scale


def quantize_initializers(onnx_path, quantized):
    """Replaces every exported float matrix that equals a fake-quantised weight W (or W^T) by int8 + scale."""
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    model = onnx.load(onnx_path)
    g = model.graph
    replaced = 0
    for init in list(g.initializer):
        a = numpy_helper.to_array(init)
        if a.ndim != 2 or a.size < 4096:
            continue
        for q, scale in quantized:
            qn, sn = q.numpy(), scale.numpy().astype(np.float32)
            if a.shape == qn.shape and np.array_equal(a, (qn.astype(np.float32) * sn[:, None]).astype(np.float32)):
                stored, s = qn, sn[:, None]
            elif a.shape == qn.T.shape and np.array_equal(a, (qn.astype(np.float32) * sn[:, None]).T.astype(np.float32)):
                stored, s = np.ascontiguousarray(qn.T), sn[None, :]
            else:
                continue
            name = init.name
            g.initializer.remove(init)
            g.initializer.extend([numpy_helper.from_array(stored, name + "_int8"), numpy_helper.from_array(s, name + "_scale")])
            g.node.insert(0, helper.make_node("Mul", [name + "_f", name + "_scale"], [name]))
            g.node.insert(0, helper.make_node("Cast", [name + "_int8"], [name + "_f"], to=TensorProto.FLOAT))
            replaced += 1
            break
    onnx.checker.check_model(model)
    onnx.save(model, onnx_path)
    return replaced


def pad(seqs):
    t = max(1, max(len(s) for s in seqs))
    ids = torch.zeros(len(seqs), t, dtype=torch.long)
    mask = torch.zeros(len(seqs), t, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, :len(s)] = 1
    return ids, mask


def export(use, out, parity_ids_path, logfile=print, float_check=None):
    """Fake-quantises `use` in place (int8 rows), writes onnx/model.onnx + config.json + parity references to `out`.
    float_check: optional (ids, float32 vectors) to report what int8 storage changes."""
    quantized = []
    with torch.no_grad():
        quantized.append(fake_quantize_rows(use.embedding.weight))
        for m in use.modules():
            if isinstance(m, nn.Linear):
                quantized.append(fake_quantize_rows(m.weight))
        if float_check is not None:
            q_out = use(*pad(float_check[0])).numpy()
            cos = (q_out * float_check[1]).sum(1)
            logfile(f"int8 vs float32 sentence vectors: min cosine {cos.min():.5f}, max |diff| {np.abs(q_out - float_check[1]).max():.2e}")
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    path = os.path.join(out, "onnx", "model.onnx")
    wrapper = SentenceVectorAtEveryPosition(use).eval()
    ids, mask = pad([[5, 6, 7], [8]])
    torch.onnx.export(wrapper, (ids, mask), path, input_names=["input_ids", "attention_mask"],
                      output_names=["last_hidden_state"], opset_version=14,
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                    "last_hidden_state": {0: "batch", 1: "sequence"}})
    n = quantize_initializers(path, quantized)
    logfile(f"stored {n} of {len(quantized)} matrices int8; {path}: {os.path.getsize(path)} bytes")
    assert n == len(quantized), "a weight was not found in the exported graph"
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump({"model_type": "bert", "architectures": ["UniversalSentenceEncoderLite"], "hidden_size": 512,
                   "vocab_size": use.embedding.num_embeddings, "max_position_embeddings": 128,
                   "emolens_input_form": "turn",
                   "emolens": {"note": "Universal Sentence Encoder lite (2-layer Kona transformer) ported from its tfjs "
                               "release; BERT-shaped I/O, last_hidden_state = the sentence vector at every position; "
                               "matrices int8 per row"}}, f, indent=1)
    p = json.load(open(parity_ids_path))
    with torch.no_grad():
        vec = use(*pad(p["ids"])).numpy().astype(np.float32)
    write_tensor(os.path.join(out, "parity", "pooled"), vec, {"texts": p["texts"], "ids": p["ids"], "referenceIds": p.get("referenceIds")})
    logfile(f"parity references for {len(p['texts'])} texts written")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tfjs", required=True, help="USE-lite tfjs graph model folder (model.json, shards)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--parity-ids", required=True, help="JSON {texts, ids}: token ids from the exported tokenizer")
    ap.add_argument("--tfjs-ref", help="JSON {ids, out} from tools/train/use-reference.ts: check the port against tfjs")
    args = ap.parse_args()
    torch.set_num_threads(1)
    use = UseLite().load_tfjs(args.tfjs).eval()
    float_check = None
    if args.tfjs_ref:
        ref = json.load(open(args.tfjs_ref))
        with torch.no_grad():
            got = use(*pad(ref["ids"])).numpy()
        want = np.array(ref["out"]["data"], dtype=np.float32).reshape(ref["out"]["shape"])
        print(f"PyTorch port vs tfjs graph ({len(ref['ids'])} texts): max |diff| {np.abs(got - want).max():.2e}")
        float_check = (ref["ids"], got)
    export(use, args.out, args.parity_ids, float_check=float_check)


if __name__ == "__main__":
    main()
