/**
 * tfjs model files on disk for Node (tfjs-node, which has `file://`, cannot install here): save a LayersModel
 * as model.json + weights.bin, load it back, and read PyTorch state dicts written by store.py `write_state`.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTensor } from './store.ts';

export function diskSaver(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      writeFileSync(join(dir, 'weights.bin'), weights);
      const modelJson = {
        format: artifacts.format, generatedBy: artifacts.generatedBy, convertedBy: 'emolens tools/train',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    },
  };
}

export function diskLoader(dir: string): tf.io.IOHandler {
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of modelJson.weightsManifest as tf.io.WeightsManifestConfig) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(readFileSync(join(dir, p)));
      }
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const weightData = new Uint8Array(total);
      let offset = 0;
      for (const b of buffers) { weightData.set(b, offset); offset += b.byteLength; }
      return {
        modelTopology: modelJson.modelTopology, format: modelJson.format, generatedBy: modelJson.generatedBy,
        weightSpecs: specs, weightData: weightData.buffer, userDefinedMetadata: modelJson.userDefinedMetadata,
      };
    },
  };
}

export function loadLayersModelFromDisk(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(diskLoader(dir));
}

/** Reads a state dict written by store.py `write_state` into named Float32Arrays with shapes. */
export function readTorchState(path: string): Map<string, { shape: number[]; data: Float32Array }> {
  const flat = readTensor<{ arrays: { name: string; shape: number[]; offset: number }[] }>(path);
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const a of flat.meta.arrays) {
    const size = a.shape.reduce((x, y) => x * y, 1);
    out.set(a.name, { shape: a.shape, data: (flat.data as Float32Array).subarray(a.offset, a.offset + size) });
  }
  return out;
}

/** PyTorch Conv2d weight [out, in, kh, kw] → tfjs conv2d kernel [kh, kw, in, out]. */
export function torchConv2dToTf(w: { shape: number[]; data: Float32Array }): tf.Tensor4D {
  return tf.tidy(() => tf.tensor4d(w.data, w.shape as [number, number, number, number]).transpose([2, 3, 1, 0]) as tf.Tensor4D);
}

/** PyTorch Linear weight [out, in] → tfjs dense kernel [in, out]. */
export function torchLinearToTf(w: { shape: number[]; data: Float32Array }): tf.Tensor2D {
  return tf.tidy(() => tf.tensor2d(w.data, w.shape as [number, number]).transpose() as tf.Tensor2D);
}
