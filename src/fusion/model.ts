/**
 * The fusion of EmoLens: SUMMER's sparse dynamic mixture of experts (SDMoE) over modality tokens,
 * then one of four cross-modal fusions, a causal dialogue context, and fused, per-modality and valence/arousal
 * heads. One definition, plain tfjs ops over a parameter map, so the Node trainer (WASM/CPU) and the page
 * (WebGPU first) run the very same code. Shapes: B dialogues × T turns × M=3 modalities (text, audio, face),
 * one token per modality per turn (the encoders' pooled embeddings).
 *
 *   tokens U = proj(H) + modality + speaker + position          (SUMMER's U = H + S + P, per modality)
 *   SDMoE: y = U + Σ_e r_e(U) · expert_e(U), r = sparse router  ('dense' | 'topk' | 'noisy-topk' | 'summer')
 *   fusion over the per-turn streams y_text, y_audio, y_face:
 *     'gate'   a softmax gate over the modalities present, Σ g_m · y_m                    (v0)
 *     'concat' late fusion: Linear([y_t; y_a; y_v] with absent streams zeroed)            (baseline)
 *     'hcmf'   SUMMER's hierarchical cross-modal fusion, text-anchored: t_a = t + X(a→t), t_v = t + X(v→t),
 *              h = t_a + X(t_v→t_a); then the modality gate over [h, y_a, y_v]
 *     'magt'   MAGTKD's anchor gated transformer: a' = a + g(X(t→a)) + g(X(v→a)), v' likewise, then the
 *              text-anchored t' = t + g(X(t→t)) + g(X(a'→t)) + g(X(v'→t)); then the modality gate over [t', a', v']
 *     X(s→q) is a one-layer pre-LN multi-head cross-attention block (queries from q, keys/values from s), masked to
 *     turns where s is present and, by `crossScope`, to the same turn or to the same and earlier turns (causal);
 *     g(x) = sigmoid(ReLU(Wx + b)) ⊙ x (MAGTKD's gate).
 *   context: causal multi-head self-attention over the fused turns (a turn sees itself and the past only; note
 *            that MAGTKD's released code attends to future utterances, which live use cannot).
 *   heads: fused 7-class, one 7-class head per modality (explanations, missing modalities, distillation
 *          students), valence/arousal in [-1, 1].
 */
import * as tf from '@tensorflow/tfjs';
import { LABELS, MODALITIES, NUM_LABELS, VALENCE_AROUSAL, type Modality } from '../labels.ts';

export { MODALITIES, type Modality };

/** How the router sparsifies expert weights per token. */
export type RouterKind = 'dense' | 'topk' | 'noisy-topk' | 'summer';
/** How the three modality streams are fused per turn. */
export type FusionKind = 'gate' | 'concat' | 'hcmf' | 'magt';

export interface FusionConfig {
  /** Input embedding sizes, in MODALITIES order. */
  inputDims: [number, number, number];
  /** Width of the shared token space. */
  dim: number;
  experts: number;
  /** Experts kept per token by 'topk' and 'noisy-topk'. */
  topK: number;
  expertHidden: number;
  maxSpeakers: number;
  maxTurns: number;
  contextHeads: number;
  router: RouterKind;
  /** 'summer': experts whose weight lies outside mean ± summerStd·std (over the experts of a token) are off. */
  summerStd: number;
  /** 'summer' in training: Gumbel-softmax temperature of the router. */
  gumbelTau: number;
  fusion: FusionKind;
  /** Heads of the cross-attention blocks ('hcmf', 'magt'). */
  crossHeads: number;
  /**
   * What a cross-attention query may see of the source modality: 'turn' = the same turn only (utterance-level
   * fusion, as both papers do; the dialogue context is the separate causal layer), 'dialogue' = the same and all
   * earlier turns. Measured on pseudo-aligned dev, where another turn's clip or image says nothing about this turn,
   * 'dialogue' scored lower (see the fusion card's ablation).
   */
  crossScope: 'turn' | 'dialogue';
  /**
   * Temperatures fitted on dev after training (temperature scaling): outside training the fused logits are divided
   * by `fused` and each modality head's by its own, so a 0.8 confidence is right about 80 % of the time. Argmax
   * never changes. Absent (older files, and during training): 1.
   */
  temperatures?: HeadTemperatures;
  /**
   * Recording quality read by the modality gate (`recordingQuality` for audio, `cropQuality` for faces; text has
   * none): each value is standardised by these training statistics (per modality, MODALITIES order; the text row is
   * unused) and enters the gate's score of its modality through `gate.quality.w`, so a degraded recording can lose
   * weight even though its embedding, by design, looks like a clean one. Absent (older files): the gate reads the
   * streams only.
   */
  quality?: QualityStatistics;
}

export interface QualityStatistics { dim: number; mean: number[][]; std: number[][] }

export interface HeadTemperatures { fused: number; text: number; audio: number; face: number }

export const DEFAULT_FUSION_CONFIG: FusionConfig = {
  inputDims: [64, 64, 64], dim: 64, experts: 4, topK: 2, expertHidden: 128, maxSpeakers: 8, maxTurns: 32, contextHeads: 4,
  router: 'topk', summerStd: 2, gumbelTau: 1, fusion: 'gate', crossHeads: 4, crossScope: 'turn',
};

/** Files written before the router/fusion options existed are v0: top-k router + modality gate. */
export function withConfigDefaults(config: Partial<FusionConfig>): FusionConfig {
  return { ...DEFAULT_FUSION_CONFIG, ...config };
}

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
  /** [B, T, 3, config.quality.dim]: standardised recording quality (0 where unknown); only with `config.quality`. */
  quality?: tf.Tensor4D;
}

export interface FusionOutput {
  /** [B, T, 7] */
  fusedLogits: tf.Tensor3D;
  /** [B, T, 3, 7] */
  modalityLogits: tf.Tensor4D;
  /** [B, T, 3]: modality weights in the fused result (zero for absent modalities). */
  gate: tf.Tensor3D;
  /** [B, T, 3, E]: router weights after sparsification. */
  router: tf.Tensor4D;
  /** Switch-style load-balancing loss (scalar). */
  balanceLoss: tf.Scalar;
  /** [B, T, 2]: valence, arousal in [-1, 1]. */
  valenceArousal: tf.Tensor3D;
  /** [B, T, dim]: the fused turn representation after the dialogue context (the fused head's input). */
  fused: tf.Tensor3D;
  /** [B, T, 3, dim]: the modality tokens after the mixture of experts (the per-modality heads' input). */
  tokens: tf.Tensor4D;
}

export interface ForwardOptions {
  /** Training mode: router noise ('noisy-topk') and Gumbel sampling ('summer'). Default false (deterministic). */
  training?: boolean;
  /** Seed for that noise. */
  seed?: number;
}

function glorot(shape: number[], seed: number): tf.Tensor {
  const fanIn = shape[shape.length - 2] ?? shape[0];
  const fanOut = shape[shape.length - 1];
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.randomUniform(shape, -limit, limit, 'float32', seed);
}

/**
 * Parameters of one cross-attention block. With crossScope 'turn' a query sees one key (its own turn's source
 * token), the softmax over one key is 1 and the block reduces to the value path W_o·(W_v·LN(s)): no query/key
 * parameters are created for it.
 */
function crossBlockParams(p: Record<string, tf.Tensor>, prefix: string, config: FusionConfig, next: () => number): void {
  const dim = config.dim;
  const withQuery = config.crossScope === 'dialogue';
  for (const n of withQuery ? ['lnq', 'lnkv'] : ['lnkv']) { p[`${prefix}.${n}.g`] = tf.ones([dim]); p[`${prefix}.${n}.b`] = tf.zeros([dim]); }
  for (const n of withQuery ? ['q', 'k', 'v', 'o'] : ['v', 'o']) { p[`${prefix}.${n}.w`] = glorot([dim, dim], next()); p[`${prefix}.${n}.b`] = tf.zeros([dim]); }
}

/** The MAGT cross-attention pairs (source→anchor), in the order they run. */
export const MAGT_BLOCKS = ['t2a', 'v2a', 't2v', 'a2v', 't2t', 'a2t', 'v2t'] as const;

/** Fresh parameters; deterministic for a seed. Only the parameters the configured router and fusion use. */
export function initFusionParams(config: FusionConfig = DEFAULT_FUSION_CONFIG, seed = 1): FusionParams {
  const { dim, experts, expertHidden } = config;
  let s = seed * 1000;
  const next = (): number => s++;
  const p: Record<string, tf.Tensor> = {};
  config.inputDims.forEach((d, m) => { p[`proj${m}.w`] = glorot([d, dim], next()); p[`proj${m}.b`] = tf.zeros([dim]); });
  p['emb.modality'] = tf.randomNormal([3, dim], 0, 0.02, 'float32', next());
  p['emb.speaker'] = tf.randomNormal([config.maxSpeakers, dim], 0, 0.02, 'float32', next());
  p['emb.position'] = tf.randomNormal([config.maxTurns, dim], 0, 0.02, 'float32', next());
  p['router.w'] = glorot([dim, experts], next());
  if (config.router === 'noisy-topk') p['router.noise.w'] = tf.zeros([dim, experts]);
  p['experts.w1'] = glorot([experts, dim, expertHidden], next());
  p['experts.b1'] = tf.zeros([experts, expertHidden]);
  p['experts.w2'] = tf.mul(glorot([experts, expertHidden, dim], next()), 0.5);
  p['experts.b2'] = tf.zeros([experts, dim]);
  if (config.fusion === 'concat') {
    p['concat.w'] = glorot([3 * dim, dim], next()); p['concat.b'] = tf.zeros([dim]);
  } else {
    p['gate.w'] = glorot([dim, 1], next()); p['gate.b'] = tf.zeros([1]);
    // Zero at the start: the gate first behaves as one without quality inputs, then learns what quality means.
    if (config.quality) { p['gate.quality.w'] = tf.zeros([3, config.quality.dim]); p['gate.quality.b'] = tf.zeros([3]); }
  }
  if (config.fusion === 'hcmf') for (const b of ['a2t', 'v2t', 'tv2ta']) crossBlockParams(p, `hcmf.${b}`, config, next);
  if (config.fusion === 'magt') {
    for (const b of MAGT_BLOCKS) {
      crossBlockParams(p, `magt.${b}`, config, next);
      p[`magt.${b}.gate.w`] = glorot([dim, dim], next()); p[`magt.${b}.gate.b`] = tf.zeros([dim]);
    }
  }
  p['modalityHead.w'] = glorot([3, dim, NUM_LABELS], next());
  p['modalityHead.b'] = tf.zeros([3, NUM_LABELS]);
  for (const n of ['q', 'k', 'v', 'o']) { p[`ctx.${n}.w`] = glorot([dim, dim], next()); p[`ctx.${n}.b`] = tf.zeros([dim]); }
  p['ctx.ln.g'] = tf.ones([dim]); p['ctx.ln.b'] = tf.zeros([dim]);
  p['head.ln.g'] = tf.ones([dim]); p['head.ln.b'] = tf.zeros([dim]);
  p['head.w'] = glorot([dim, NUM_LABELS], next());
  p['head.b'] = tf.zeros([NUM_LABELS]);
  p['va.w'] = glorot([dim, 2], next());
  p['va.b'] = tf.zeros([2]);
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

/** Multiplies `weights` by a 0/1 mask (built without gradient) and renormalises the kept entries to sum 1. */
function keepAndRenormalize(weights: tf.Tensor, maskOf: (w: tf.Tensor) => tf.Tensor): tf.Tensor {
  const mask = tf.customGrad(zeroGradient(maskOf))(weights);
  const kept = weights.mul(mask);
  return kept.div(kept.sum(-1, true).add(1e-9));
}

/**
 * Keeps each row's top-k entries of `weights` (last axis) and renormalises them. The mask is built inside
 * customGrad because comparison ops have no gradient in tfjs; the gradient flows through the kept weights.
 */
export function topKRenormalize(weights: tf.Tensor, k: number): tf.Tensor {
  return keepAndRenormalize(weights, (w) => {
    const kth = tf.topk(w, k).values.slice([...w.shape.slice(0, -1).map(() => 0), k - 1], [...w.shape.slice(0, -1), 1]);
    return tf.cast(tf.greaterEqual(w, kth), 'float32');
  });
}

/**
 * SUMMER's dynamic rule: an expert is switched off when its weight lies outside mean ± c·std of the token's
 * expert weights; the rest are renormalised. Note: over E experts no weight can lie more than √(E−1) standard
 * deviations from the mean, so with c = 2 the rule can only act when E ≥ 6. A token whose every expert would be
 * switched off keeps them all (never happens for c > 0, kept as a guard).
 */
export function summerRenormalize(weights: tf.Tensor, c: number): tf.Tensor {
  return keepAndRenormalize(weights, (w) => {
    const { mean, variance } = tf.moments(w, -1, true);
    const inside = tf.cast(tf.lessEqual(tf.abs(w.sub(mean)), variance.sqrt().mul(c).add(1e-7)), 'float32');
    const none = tf.cast(tf.equal(inside.sum(-1, true), 0), 'float32');
    return inside.add(none);
  });
}

/** Router weights per token [N, E] → sparse weights [N, E], by the configured rule. */
function route(logits: tf.Tensor2D, flat: tf.Tensor2D, params: FusionParams, config: FusionConfig, options: ForwardOptions): { probs: tf.Tensor2D; routed: tf.Tensor2D } {
  const seed = options.seed ?? 0;
  switch (config.router) {
    case 'dense': {
      const probs = tf.softmax(logits);
      return { probs, routed: probs };
    }
    case 'topk': {
      const probs = tf.softmax(logits);
      return { probs, routed: topKRenormalize(probs, config.topK) as tf.Tensor2D };
    }
    case 'noisy-topk': {
      // Shazeer et al.: H = logits + N(0,1) · softplus(x·W_noise) in training; top-k of softmax(H).
      const noisy = options.training
        ? logits.add(tf.randomNormal(logits.shape, 0, 1, 'float32', seed).mul(tf.softplus(flat.matMul(params['router.noise.w']))))
        : logits;
      const probs = tf.softmax(noisy) as tf.Tensor2D;
      return { probs, routed: topKRenormalize(probs, config.topK) as tf.Tensor2D };
    }
    case 'summer': {
      // Gumbel-softmax keeps the stochastic selection differentiable in training; plain softmax at inference.
      const probs = (options.training
        ? tf.softmax(logits.add(gumbel(logits.shape, seed)).div(config.gumbelTau))
        : tf.softmax(logits)) as tf.Tensor2D;
      return { probs, routed: summerRenormalize(probs, config.summerStd) as tf.Tensor2D };
    }
  }
}

function gumbel(shape: number[], seed: number): tf.Tensor {
  const u = tf.randomUniform(shape, 1e-6, 1 - 1e-6, 'float32', seed);
  return tf.neg(tf.log(tf.neg(tf.log(u))));
}

/** Fraction of tokens whose top-1 expert is e, times mean router probability of e, summed, × E (Switch Transformer). */
export function balanceLoss(probs: tf.Tensor2D, tokenMask: tf.Tensor1D, experts: number): tf.Scalar {
  const top1 = tf.customGrad(zeroGradient((p) => tf.oneHot(tf.argMax(p, -1), experts).toFloat()))(probs);
  const m = tokenMask.expandDims(1);
  const count = tokenMask.sum().add(1e-9);
  const f = top1.mul(m).sum(0).div(count);
  const P = probs.mul(m).sum(0).div(count);
  return f.mul(P).sum().mul(experts) as tf.Scalar;
}

/**
 * Attention mask [B, 1, T, T] where `keyMask` [B, T] is 1: causal (query turn t sees key turns s ≤ t), or with
 * `sameTurnOnly` the diagonal (s = t).
 */
function causalKeyMask(keyMask: tf.Tensor2D, sameTurnOnly = false): tf.Tensor4D {
  const [B, T] = keyMask.shape;
  const allowed = tf.linalg.bandPart(tf.ones([T, T]), sameTurnOnly ? 0 : -1, 0); // lower triangle (key ≤ query) or diagonal
  return allowed.reshape([1, 1, T, T]).mul(keyMask.reshape([B, 1, 1, T])) as tf.Tensor4D;
}

/**
 * Multi-head attention of queries [B,T,d] over keys/values [B,T,d] under `allowed` [B,1,T,T] (1 = may attend).
 * A query with no allowed key gets a zero output (not a uniform average of masked keys).
 */
function attention(params: FusionParams, prefix: string, q: tf.Tensor3D, kv: tf.Tensor3D, allowed: tf.Tensor4D, heads: number): tf.Tensor3D {
  const [B, T, d] = q.shape;
  const dh = d / heads;
  const split = (x: tf.Tensor3D, name: string): tf.Tensor4D =>
    x.reshape([B * T, d]).matMul(params[`${prefix}.${name}.w`]).add(params[`${prefix}.${name}.b`]).reshape([B, T, heads, dh]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  const logits = tf.matMul(split(q, 'q'), split(kv, 'k'), false, true).div(Math.sqrt(dh)); // [B,H,T,T]
  const attn = tf.softmax(logits.add(tf.scalar(1).sub(allowed).mul(-1e9))).mul(allowed.max(3, true));
  const out = tf.matMul(attn, split(kv, 'v')).transpose([0, 2, 1, 3]).reshape([B * T, d]).matMul(params[`${prefix}.o.w`]).add(params[`${prefix}.o.b`]);
  return out.reshape([B, T, d]) as tf.Tensor3D;
}

/**
 * X(s→q): one-layer pre-LN cross-attention, queries from the anchor stream, keys/values from the source, under
 * `allowed` [B,1,T,T]. With crossScope 'turn' (`allowed` is then the diagonal) the one-key softmax is 1: the value
 * path alone, zero where the source is absent.
 */
function crossBlock(params: FusionParams, prefix: string, anchor: tf.Tensor3D, source: tf.Tensor3D, allowed: tf.Tensor4D, config: FusionConfig): tf.Tensor3D {
  const kv = layerNorm(source, params[`${prefix}.lnkv.g`], params[`${prefix}.lnkv.b`]) as tf.Tensor3D;
  if (config.crossScope === 'turn') {
    const [B, T, d] = source.shape;
    const sourcePresent = allowed.max(3).reshape([B, T, 1]); // the diagonal entry: is the source there in this turn?
    const value = kv.reshape([B * T, d]).matMul(params[`${prefix}.v.w`]).add(params[`${prefix}.v.b`]).matMul(params[`${prefix}.o.w`]).add(params[`${prefix}.o.b`]);
    return value.reshape([B, T, d]).mul(sourcePresent) as tf.Tensor3D;
  }
  const q = layerNorm(anchor, params[`${prefix}.lnq.g`], params[`${prefix}.lnq.b`]) as tf.Tensor3D;
  return attention(params, prefix, q, kv, allowed, config.crossHeads);
}

/** MAGTKD's gate g(x) = sigmoid(ReLU(Wx + b)) ⊙ x. */
function magtGate(params: FusionParams, prefix: string, x: tf.Tensor3D): tf.Tensor3D {
  const [B, T, d] = x.shape;
  const g = tf.sigmoid(tf.relu(x.reshape([B * T, d]).matMul(params[`${prefix}.gate.w`]).add(params[`${prefix}.gate.b`]))).reshape([B, T, d]);
  return g.mul(x) as tf.Tensor3D;
}

/**
 * A softmax over the modalities present (absent ones get weight 0); `streams` [B,T,3,d] → gate [B,T,3]. With
 * recording quality [B,T,3,Q], each modality's score also gets its own linear read of its quality.
 */
function modalityGate(params: FusionParams, streams: tf.Tensor4D, present: tf.Tensor3D, quality?: tf.Tensor4D): tf.Tensor3D {
  const [B, T, M, d] = streams.shape;
  let scores = streams.reshape([B * T * M, d]).matMul(params['gate.w']).add(params['gate.b']).reshape([B, T, M]);
  if (quality && params['gate.quality.w']) scores = scores.add(quality.mul(params['gate.quality.w']).sum(3)).add(params['gate.quality.b']);
  const masked = scores.add(tf.scalar(1).sub(present).mul(-1e9));
  return tf.softmax(masked).mul(present.max(2, true)) as tf.Tensor3D; // all-absent turns fuse to zero
}

/** The forward pass. Wrap calls in tf.tidy (or dispose the outputs) — nothing here is kept. */
export function fusionForward(params: FusionParams, input: FusionInput, config: FusionConfig = DEFAULT_FUSION_CONFIG, options: ForwardOptions = {}): FusionOutput {
  const [B, T] = input.present.shape;
  const { dim, experts } = config;
  // Embedding lookups as one-hot × table rather than gather: tfjs' WASM backend has no gradient for gather,
  // and this keeps training on WASM (much faster than the CPU backend) possible. Values are identical.
  const positions = tf.minimum(tf.range(0, T, 1, 'int32'), tf.scalar(config.maxTurns - 1, 'int32'));
  const posEmb = tf.oneHot(positions, config.maxTurns).toFloat().matMul(params['emb.position']).expandDims(0); // [1,T,d]
  const speakers = tf.minimum(input.speaker.toInt(), tf.scalar(config.maxSpeakers - 1, 'int32')).reshape([B * T]) as tf.Tensor1D;
  const spkEmb = tf.oneHot(speakers, config.maxSpeakers).toFloat().matMul(params['emb.speaker']).reshape([B, T, dim]); // [B,T,d]

  // Project each modality into the shared token space: U = H + modality + speaker + position (SUMMER).
  // Absent modalities are zeroed first: whatever their rows hold can then never reach another token.
  const xs = [input.text, input.audio, input.face];
  const tokens = tf.stack(xs.map((x, m) => {
    const h = x.mul(input.present.slice([0, 0, m], [B, T, 1])).reshape([B * T, config.inputDims[m]]).matMul(params[`proj${m}.w`]).add(params[`proj${m}.b`]).reshape([B, T, dim]);
    return h.add(params['emb.modality'].slice([m, 0], [1, dim]).reshape([1, 1, dim])).add(spkEmb).add(posEmb);
  }), 2); // [B,T,3,d]

  // SDMoE, token-wise: each expert is a 2-layer MLP; the router's sparse weights mix them (residual).
  const N = B * T * 3, H = config.expertHidden;
  const flat = tokens.reshape([N, dim]) as tf.Tensor2D;
  const { probs: routerProbs, routed } = route(flat.matMul(params['router.w']) as tf.Tensor2D, flat, params, config, options);
  // Batched matMuls rather than einsum: einsum lacks gradients and kernels on some tfjs backends.
  const w1 = params['experts.w1'].transpose([1, 0, 2]).reshape([dim, experts * H]);
  const hidden = gelu(flat.matMul(w1).reshape([N, experts, H]).add(params['experts.b1'])); // [N,E,H]
  const expertOut = tf.matMul(hidden.transpose([1, 0, 2]), params['experts.w2']).transpose([1, 0, 2]).add(params['experts.b2']); // [N,E,d]
  const y = flat.add(expertOut.mul(routed.expandDims(2)).sum(1)).reshape([B, T, 3, dim]) as tf.Tensor4D;

  const present = input.present;
  const tokenMask = present.mul(input.turnMask.expandDims(2)).reshape([N]) as tf.Tensor1D;
  const lb = balanceLoss(routerProbs, tokenMask, experts);

  // Per-modality heads: explanations, the answer when only one modality is there, distillation students.
  const perModality = tf.matMul(tf.relu(y).reshape([B * T, 3, dim]).transpose([1, 0, 2]), params['modalityHead.w']); // [3,BT,C]
  const rawModalityLogits = perModality.transpose([1, 0, 2]).reshape([B, T, 3, NUM_LABELS]).add(params['modalityHead.b']) as tf.Tensor4D;

  const { fused, gate } = fuseStreams(params, y, present, input.turnMask, config, input.quality);

  // Causal dialogue context: multi-head self-attention where turn t sees turns ≤ t that exist.
  const ctx = causalContext(params, fused, input.turnMask, config);
  const normed = layerNorm(ctx, params['head.ln.g'], params['head.ln.b']).reshape([B * T, dim]);
  const rawLogits = normed.matMul(params['head.w']).add(params['head.b']).reshape([B, T, NUM_LABELS]) as tf.Tensor3D;
  const temps = options.training ? undefined : config.temperatures;
  const fusedLogits = temps ? rawLogits.div(temps.fused) as tf.Tensor3D : rawLogits;
  const modalityLogits = temps ? rawModalityLogits.div(tf.tensor([temps.text, temps.audio, temps.face]).reshape([1, 1, 3, 1])) as tf.Tensor4D : rawModalityLogits;
  // v0 files have no valence/arousal head: read it off the fused distribution (circumplex positions) instead.
  const va = (params['va.w']
    ? tf.tanh(normed.matMul(params['va.w']).add(params['va.b'])).reshape([B, T, 2])
    : tf.softmax(rawLogits).reshape([B * T, NUM_LABELS]).matMul(tf.tensor2d(LABELS.map((l) => [...VALENCE_AROUSAL[l]]), [NUM_LABELS, 2])).reshape([B, T, 2])) as tf.Tensor3D;

  return { fusedLogits, modalityLogits, gate, router: routed.reshape([B, T, 3, experts]) as tf.Tensor4D, balanceLoss: lb, valenceArousal: va, fused: ctx, tokens: y };
}

/** The configured cross-modal fusion: streams y [B,T,3,d] → one vector per turn [B,T,d] + modality weights. */
function fuseStreams(params: FusionParams, y: tf.Tensor4D, present: tf.Tensor3D, turnMask: tf.Tensor2D, config: FusionConfig, quality?: tf.Tensor4D): { fused: tf.Tensor3D; gate: tf.Tensor3D } {
  const [B, T, , d] = y.shape;
  const stream = (m: number): tf.Tensor3D => y.slice([0, 0, m, 0], [B, T, 1, d]).reshape([B, T, d]) as tf.Tensor3D;
  const presentOf = (m: number): tf.Tensor2D => present.slice([0, 0, m], [B, T, 1]).reshape([B, T]).mul(turnMask) as tf.Tensor2D;
  const gated = (streams: tf.Tensor4D): { fused: tf.Tensor3D; gate: tf.Tensor3D } => {
    const gate = modalityGate(params, streams, present, quality);
    return { fused: streams.mul(gate.expandDims(3)).sum(2) as tf.Tensor3D, gate };
  };
  switch (config.fusion) {
    case 'gate':
      return gated(y);
    case 'concat': {
      const cat = y.mul(present.expandDims(3)).reshape([B * T, 3 * d]);
      const fused = cat.matMul(params['concat.w']).add(params['concat.b']).reshape([B, T, d]) as tf.Tensor3D;
      // No learned weights: report each present modality's equal share.
      const gate = present.div(present.sum(2, true).maximum(1)) as tf.Tensor3D;
      return { fused, gate };
    }
    case 'hcmf': {
      const [t, a, v] = [stream(0), stream(1), stream(2)];
      const turnOnly = config.crossScope === 'turn';
      const seesAudio = causalKeyMask(presentOf(1), turnOnly), seesFace = causalKeyMask(presentOf(2), turnOnly), seesTurns = causalKeyMask(turnMask, turnOnly);
      const ta = t.add(crossBlock(params, 'hcmf.a2t', t, a, seesAudio, config)) as tf.Tensor3D; // level 1: text ← audio
      const tv = t.add(crossBlock(params, 'hcmf.v2t', t, v, seesFace, config)) as tf.Tensor3D; // level 1: text ← face
      const top = ta.add(crossBlock(params, 'hcmf.tv2ta', ta, tv, seesTurns, config)) as tf.Tensor3D; // level 2
      return gated(tf.stack([top, a, v], 2) as tf.Tensor4D);
    }
    case 'magt': {
      const [t, a, v] = [stream(0), stream(1), stream(2)];
      const sees = [presentOf(0), presentOf(1), presentOf(2)].map((m) => causalKeyMask(m, config.crossScope === 'turn'));
      const block = (name: string, anchor: tf.Tensor3D, source: tf.Tensor3D, from: number): tf.Tensor3D =>
        magtGate(params, `magt.${name}`, crossBlock(params, `magt.${name}`, anchor, source, sees[from], config));
      const aOut = a.add(block('t2a', a, t, 0)).add(block('v2a', a, v, 2)) as tf.Tensor3D; // audio-anchored
      const vOut = v.add(block('t2v', v, t, 0)).add(block('a2v', v, a, 1)) as tf.Tensor3D; // face-anchored
      // Text-anchored over [g(t→t), g(a'→t), g(v'→t)]; a' and v' count where audio / face are present.
      const tOut = t.add(block('t2t', t, t, 0)).add(block('a2t', t, aOut, 1)).add(block('v2t', t, vOut, 2)) as tf.Tensor3D;
      return gated(tf.stack([tOut, aOut, vOut], 2) as tf.Tensor4D);
    }
  }
}

function causalContext(params: FusionParams, x: tf.Tensor3D, turnMask: tf.Tensor2D, config: FusionConfig): tf.Tensor3D {
  const n = layerNorm(x, params['ctx.ln.g'], params['ctx.ln.b']) as tf.Tensor3D;
  return x.add(attention(params, 'ctx', n, n, causalKeyMask(turnMask), config.contextHeads)) as tf.Tensor3D;
}
