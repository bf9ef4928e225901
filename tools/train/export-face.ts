/**
 * Rebuilds the face CNN of tools/train/python/train_face.py as a tfjs LayersModel (NHWC input [48,48,1];
 * outputs [embedding, logits]), loads the PyTorch weights written by `write_state`, and saves model.json +
 * weights.bin. Global average pooling before the dense layers means no flatten-order differences between the two.
 *
 *   npx tsx tools/train/export-face.ts --state .cache/faces/run/state --out public/models/face-encoder
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { LABELS } from '../../src/labels.ts';
import { FACE_INPUT } from '../../src/video/face-crop.ts';
import { readTensor } from './store.ts';
import { diskSaver, readTorchState, torchConv2dToTf, torchLinearToTf } from './tfjs-disk.ts';
import { nodeBackend } from '../node/backend.ts';

export interface FaceArch { channels: number[]; convs: number[]; embedding: number; classes: number; size: number; bnEpsilon: number }

type TorchState = Map<string, { shape: number[]; data: Float32Array }>;

function bn(name: string, epsilon: number): tf.layers.Layer {
  // PyTorch BatchNorm eps is 1e-5 (tfjs default 1e-3): must match for parity.
  return tf.layers.batchNormalization({ axis: -1, epsilon, name });
}

/** The same graph as FaceNet in train_face.py. Layer names tie each tfjs layer to its PyTorch parameters. */
export function buildFaceModel(arch: FaceArch): tf.LayersModel {
  const input = tf.input({ shape: [arch.size, arch.size, 1], name: 'face' });
  let x = bn('input_bn', arch.bnEpsilon).apply(input) as tf.SymbolicTensor;
  arch.channels.forEach((c, b) => {
    for (let j = 0; j < arch.convs[b]; j++) {
      x = tf.layers.conv2d({ filters: c, kernelSize: 3, padding: 'same', useBias: false, name: `b${b}_conv${j}` }).apply(x) as tf.SymbolicTensor;
      x = bn(`b${b}_bn${j}`, arch.bnEpsilon).apply(x) as tf.SymbolicTensor;
      x = tf.layers.reLU({ name: `b${b}_relu${j}` }).apply(x) as tf.SymbolicTensor;
    }
    x = tf.layers.maxPooling2d({ poolSize: 2, name: `b${b}_pool` }).apply(x) as tf.SymbolicTensor;
  });
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const embedding = tf.layers.dense({ units: arch.embedding, activation: 'relu', name: 'embedding' }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: arch.classes, name: 'logits' }).apply(embedding) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: [embedding, logits], name: 'face_encoder' });
}

function take(state: TorchState, name: string) {
  const w = state.get(name);
  if (!w) throw new Error(`export-face: missing torch parameter ${name}`);
  return w;
}

function bnWeights(state: TorchState, prefix: string): tf.Tensor[] {
  return ['weight', 'bias', 'running_mean', 'running_var'].map((k) => tf.tensor1d(take(state, `${prefix}.${k}`).data));
}

/** Copies PyTorch weights into the tfjs model (conv [out,in,kh,kw] → [kh,kw,in,out]; linear [out,in] → [in,out]). */
export function loadTorchWeights(model: tf.LayersModel, arch: FaceArch, state: TorchState): void {
  const set = (layer: string, tensors: tf.Tensor[]) => { model.getLayer(layer).setWeights(tensors); tensors.forEach((t) => t.dispose()); };
  set('input_bn', bnWeights(state, 'input_bn'));
  arch.channels.forEach((_, b) => {
    for (let j = 0; j < arch.convs[b]; j++) {
      // Sequential indices inside block b: conv 3j, BN 3j+1, ReLU 3j+2.
      set(`b${b}_conv${j}`, [torchConv2dToTf(take(state, `blocks.${b}.${3 * j}.weight`))]);
      set(`b${b}_bn${j}`, bnWeights(state, `blocks.${b}.${3 * j + 1}`));
    }
  });
  set('embedding', [torchLinearToTf(take(state, 'embedding.weight')), tf.tensor1d(take(state, 'embedding.bias').data)]);
  set('logits', [torchLinearToTf(take(state, 'logits.weight')), tf.tensor1d(take(state, 'logits.bias').data)]);
}

/** Size budget of weights.bin (float32). */
export const MAX_WEIGHT_BYTES = 2_000_000;

export async function exportFace(statePath: string, outDir: string): Promise<tf.LayersModel> {
  const meta = readTensor<{ arch: FaceArch; labels: string[]; valAccuracy?: number }>(statePath).meta;
  if (meta.arch.size !== FACE_INPUT.size) throw new Error(`export-face: trained on ${meta.arch.size}px, cropFace gives ${FACE_INPUT.size}px`);
  if (meta.labels.join() !== LABELS.join()) throw new Error(`export-face: label order ${meta.labels} differs from LABELS`);
  const model = buildFaceModel(meta.arch);
  loadTorchWeights(model, meta.arch, readTorchState(statePath));
  // The page downloads this model: it must stay under 2 MB of float32 weights.
  const params = model.countParams();
  if (params * 4 > MAX_WEIGHT_BYTES) {
    model.dispose();
    throw new Error(`export-face: ${params} params exceed ${MAX_WEIGHT_BYTES} bytes of float32 weights`);
  }
  model.setUserDefinedMetadata({
    labels: [...LABELS], outputs: ['embedding', 'logits'], input: '[N,48,48,1] gray in [0,1] from src/video/face-crop.ts cropFace',
    arch: meta.arch, valAccuracy: meta.valAccuracy,
  });
  await model.save(diskSaver(outDir));
  return model;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { state: { type: 'string', default: '.cache/faces/run/state' }, out: { type: 'string', default: 'public/models/face-encoder' } } });
  await nodeBackend('cpu');
  const model = await exportFace(values.state!, values.out!);
  console.log(`exported ${model.countParams()} params to ${values.out}`);
  model.dispose();
}
