/**
 * Fusion v0: a gated mixture-of-experts over the three modality embeddings of each turn, with modality, speaker
 * and position embeddings, a modality gate that only weighs the modalities present, a causal dialogue context
 * (a turn attends to itself and the past only), a fused 7-class head and one head per modality.
 *
 * One definition, plain tfjs ops over a parameter map, so the Node trainer (CPU backend) and the page
 * (WebGPU first) run the very same code. Shapes: B dialogues × T turns × M=3 modalities.
 */
import * as tf from '@tensorflow/tfjs';
import { NUM_LABELS } from '../labels.ts';

export const MODALITIES = ['text', 'audio', 'face'] as const;
export type Modality = (typeof MODALITIES)[number];

export interface FusionConfig {
  /** Input embedding sizes, in MODALITIES order. */
  inputDims: [number, number, number];
  /** Width of the shared token space. */
  dim: number;
  experts: number;
  /** Experts kept per token by the sparse router. */
  topK: number;
  expertHidden: number;
  maxSpeakers: number;
  maxTurns: number;
  contextHeads: number;
}

export const DEFAULT_FUSION_CONFIG: FusionConfig = {
  inputDims: [64, 64, 64], dim: 64, experts: 4, topK: 2, expertHidden: 128, maxSpeakers: 8, maxTurns: 32, contextHeads: 4,
};

export type FusionParams = Record<string, tf.Variable>;

export interface FusionInput {
  /** [B, T, inputDims[m]] per modality; rows of absent modalities may hold anything (they are masked). */
  text: tf.Tensor3D;
  audio: tf.Tensor3D;
  face: tf.Tensor3D;
  /** [B, T, 3]: 1 where the modality is present for the turn. */
  present: tf.Tensor3D;
  /** [B, T] int32: speaker slot within the dialogue (0..maxSpeakers-1). */
  speaker: tf.Tensor2D;
  /** [B, T]: 1 for real turns, 0 for padding. */
  turnMask: tf.Tensor2D;
}

export interface FusionOutput {
  /** [B, T, 7] */
  fusedLogits: tf.Tensor3D;
  /** [B, T, 3, 7] */
  modalityLogits: tf.Tensor4D;
  /** [B, T, 3]: modality gate weights (zero for absent modalities). */
  gate: tf.Tensor3D;
  /** [B, T, 3, E]: router weights after sparsification. */
  router: tf.Tensor4D;
  /** Switch-style load-balancing loss (scalar). */
  balanceLoss: tf.Scalar;
}

function glorot(shape: number[], seed: number): tf.Tensor {
  const fanIn = shape[shape.length - 2] ?? shape[0];
  const fanOut = shape[shape.length - 1];
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -limit, limit, 'float32', seed);
}

/** Fresh parameters; deterministic for a seed. */
export function initFusionParams(config: FusionConfig = DEFAULT_FUSION_CONFIG, seed = 1): FusionParams {
  const { dim, experts, expertHidden } = config;
  let s = seed * 1000;
  const p: Record<string, tf.Tensor> = {};
  config.inputDims.forEach((d, m) => { p[`proj${m}.w`] = glorot([d, dim], s++); p[`proj${m}.b`] = tf.zeros([dim]); });
  p['emb.modality'] = tf.randomNormal([3, dim], 0, 0.02, 'float32', s++);
  p['emb.speaker'] = tf.randomNormal([config.maxSpeakers, dim], 0, 0.02, 'float32', s++);
  p['emb.position'] = tf.randomNormal([config.maxTurns, dim], 0, 0.02, 'float32', s++);
  p['router.w'] = glorot([dim, experts], s++);
  p['experts.w1'] = glorot([experts, dim, expertHidden], s++);
  p['experts.b1'] = tf.zeros([experts, expertHidden]);
  p['experts.w2'] = tf.mul(glorot([experts, expertHidden, dim], s++), 0.5);
  p['experts.b2'] = tf.zeros([experts, dim]);
  p['gate.w'] = glorot([dim, 1], s++);
  p['gate.b'] = tf.zeros([1]);
  p['modalityHead.w'] = glorot([3, dim, NUM_LABELS], s++);
  p['modalityHead.b'] = tf.zeros([3, NUM_LABELS]);
  for (const n of ['q', 'k', 'v', 'o']) { p[`ctx.${n}.w`] = glorot([dim, dim], s++); p[`ctx.${n}.b`] = tf.zeros([dim]); }
  p['ctx.ln.g'] = tf.ones([dim]); p['ctx.ln.b'] = tf.zeros([dim]);
  p['head.ln.g'] = tf.ones([dim]); p['head.ln.b'] = tf.zeros([dim]);
  p['head.w'] = glorot([dim, NUM_LABELS], s++);
  p['head.b'] = tf.zeros([NUM_LABELS]);
  const vars: FusionParams = {};
  for (const [name, t] of Object.entries(p)) { vars[name] = tf.variable(t, true); t.dispose(); }
  return vars;
}

export function countParams(params: FusionParams): number {
  return Object.values(params).reduce((n, v) => n + v.size, 0);
}

/** tanh-approximated GELU from elementary ops (tf.gelu is not in every tfjs build). */
function gelu(x: tf.Tensor): tf.Tensor {
  return x.mul(0.5).mul(tf.tanh(x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI))).add(1));
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
}

/** Wraps a non-differentiable op (comparisons, top-k, argmax) so its gradient is zero instead of missing. */
type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];
function zeroGradient(f: (x: tf.Tensor) => tf.Tensor): CustomGradientFunc {
  return ((x: tf.Tensor) => ({ value: f(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as unknown as CustomGradientFunc;
}

/**
 * Keeps each row's top-k entries of `weights` (last axis) and renormalises them. The mask is built inside
 * customGrad because comparison ops have no gradient in tfjs; the gradient flows through the kept weights.
 */
export function topKRenormalize(weights: tf.Tensor, k: number): tf.Tensor {
  const mask = tf.customGrad(zeroGradient((w) => {
    const kth = tf.topk(w, k).values.slice([...w.shape.slice(0, -1).map(() => 0), k - 1], [...w.shape.slice(0, -1), 1]);
    return tf.cast(tf.greaterEqual(w, kth), 'float32');
  }))(weights);
  const kept = weights.mul(mask);
  return kept.div(kept.sum(-1, true).add(1e-9));
}

/** Fraction of tokens whose top-1 expert is e, times mean router probability of e, summed (Switch Transformer). */
function balanceLoss(probs: tf.Tensor2D, tokenMask: tf.Tensor1D, experts: number): tf.Scalar {
  const top1 = tf.customGrad(zeroGradient((p) => tf.oneHot(tf.argMax(p, -1), experts).toFloat()))(probs);
  const m = tokenMask.expandDims(1);
  const count = tokenMask.sum().add(1e-9);
  const f = top1.mul(m).sum(0).div(count);
  const P = probs.mul(m).sum(0).div(count);
  return f.mul(P).sum().mul(experts) as tf.Scalar;
}

/** The forward pass. Wrap calls in tf.tidy (or dispose the outputs) — nothing here is kept. */
export function fusionForward(params: FusionParams, input: FusionInput, config: FusionConfig = DEFAULT_FUSION_CONFIG): FusionOutput {
  const [B, T] = input.present.shape;
  const { dim, experts } = config;
  // Embedding lookups as one-hot × table rather than gather: tfjs' WASM backend has no gradient for gather,
  // and this keeps training on WASM (much faster than the CPU backend) possible. Values are identical.
  const positions = tf.minimum(tf.range(0, T, 1, 'int32'), tf.scalar(config.maxTurns - 1, 'int32'));
  const posEmb = tf.oneHot(positions, config.maxTurns).toFloat().matMul(params['emb.position']).expandDims(0); // [1,T,d]
  const speakers = tf.minimum(input.speaker.toInt(), tf.scalar(config.maxSpeakers - 1, 'int32')).reshape([B * T]) as tf.Tensor1D;
  const spkEmb = tf.oneHot(speakers, config.maxSpeakers).toFloat().matMul(params['emb.speaker']).reshape([B, T, dim]); // [B,T,d]

  // Project each modality into the shared token space: U = H + modality + speaker + position (SUMMER).
  const xs = [input.text, input.audio, input.face];
  const tokens = tf.stack(xs.map((x, m) => {
    const h = x.reshape([B * T, config.inputDims[m]]).matMul(params[`proj${m}.w`]).add(params[`proj${m}.b`]).reshape([B, T, dim]);
    return h.add(params['emb.modality'].slice([m, 0], [1, dim]).reshape([1, 1, dim])).add(spkEmb).add(posEmb);
  }), 2); // [B,T,3,d]

  // Sparse mixture of experts, token-wise: each expert is a 2-layer MLP; only the router's top-k count.
  const flat = tokens.reshape([B * T * 3, dim]);
  const routerProbs = tf.softmax(flat.matMul(params['router.w'])); // [N,E]
  const routed = topKRenormalize(routerProbs, config.topK); // [N,E]
  // Batched matMuls rather than einsum: einsum lacks gradients and kernels on some tfjs backends.
  const H = config.expertHidden, N = B * T * 3;
  const w1 = params['experts.w1'].transpose([1, 0, 2]).reshape([dim, experts * H]);
  const hidden = gelu(flat.matMul(w1).reshape([N, experts, H]).add(params['experts.b1'])); // [N,E,H]
  const expertOut = tf.matMul(hidden.transpose([1, 0, 2]), params['experts.w2']).transpose([1, 0, 2]).add(params['experts.b2']); // [N,E,d]
  const mixed = flat.add(expertOut.mul(routed.expandDims(2)).sum(1)); // residual, [N,d]
  const y = mixed.reshape([B, T, 3, dim]);

  const present = input.present;
  const tokenMask = present.mul(input.turnMask.expandDims(2)).reshape([B * T * 3]) as tf.Tensor1D;
  const lb = balanceLoss(routerProbs as tf.Tensor2D, tokenMask, experts);

  // Per-modality heads: explanations, and the answer when only one modality is there.
  const perModality = tf.matMul(tf.relu(y).reshape([B * T, 3, dim]).transpose([1, 0, 2]), params['modalityHead.w']); // [3,BT,C]
  const modalityLogits = perModality.transpose([1, 0, 2]).reshape([B, T, 3, NUM_LABELS]).add(params['modalityHead.b']) as tf.Tensor4D;

  // Modality gate: a softmax over the modalities present; absent ones get -inf-like scores and weight 0.
  const scores = y.reshape([B * T * 3, dim]).matMul(params['gate.w']).add(params['gate.b']).reshape([B, T, 3]);
  const masked = scores.add(tf.scalar(1).sub(present).mul(-1e9));
  const anyPresent = present.max(2, true);
  const gate = tf.softmax(masked).mul(anyPresent) as tf.Tensor3D; // all-absent turns fuse to zero
  const fused = y.mul(gate.expandDims(3)).sum(2); // [B,T,d]

  // Causal dialogue context: multi-head self-attention where turn t sees turns ≤ t that exist.
  const ctx = causalContext(params, fused as tf.Tensor3D, input.turnMask, config);
  const fusedLogits = layerNorm(ctx, params['head.ln.g'], params['head.ln.b']).reshape([B * T, dim]).matMul(params['head.w']).add(params['head.b']).reshape([B, T, NUM_LABELS]) as tf.Tensor3D;

  return { fusedLogits, modalityLogits, gate, router: routed.reshape([B, T, 3, experts]) as tf.Tensor4D, balanceLoss: lb };
}

function causalContext(params: FusionParams, x: tf.Tensor3D, turnMask: tf.Tensor2D, config: FusionConfig): tf.Tensor3D {
  const [B, T, d] = x.shape;
  const H = config.contextHeads, dh = d / H;
  const n = layerNorm(x, params['ctx.ln.g'], params['ctx.ln.b']).reshape([B * T, d]);
  const split = (name: string): tf.Tensor4D => n.matMul(params[`ctx.${name}.w`]).add(params[`ctx.${name}.b`]).reshape([B, T, H, dh]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  const q = split('q'), k = split('k'), v = split('v');
  const logits = tf.matMul(q, k, false, true).div(Math.sqrt(dh)); // [B,H,T,T]
  const causal = tf.linalg.bandPart(tf.ones([T, T]), -1, 0); // lower triangle: key ≤ query
  const allowed = causal.reshape([1, 1, T, T]).mul(turnMask.reshape([B, 1, 1, T]));
  const attn = tf.softmax(logits.add(tf.scalar(1).sub(allowed).mul(-1e9)));
  const out = tf.matMul(attn, v).transpose([0, 2, 1, 3]).reshape([B * T, d]).matMul(params['ctx.o.w']).add(params['ctx.o.b']);
  return x.add(out.reshape([B, T, d])) as tf.Tensor3D;
}
