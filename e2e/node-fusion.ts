/**
 * The fusion forward pass in Node (tfjs CPU backend) on the shipped files in public/models/fusion: the reference
 * that the page's WebGPU and WASM results are held to. Kept out of the spec so the spec's browser code stays free
 * of Node imports.
 */
import * as tf from '@tensorflow/tfjs';
import { makeFusionInput, disposeFusionInput, type TurnFeatures } from '../src/fusion/batch.ts';
import { fusionForward } from '../src/fusion/model.ts';
import { disposeParams, loadFusionParams } from '../src/fusion/weights.ts';
import { diskLoader } from '../tools/train/tfjs-disk.ts';

export async function nodeFusion(turnsFor: (dims: number[]) => TurnFeatures[]): Promise<number[][]> {
  await tf.setBackend('cpu');
  const { params, config } = await loadFusionParams(diskLoader('public/models/fusion'));
  const input = makeFusionInput([turnsFor(config.inputDims)], config);
  const probs = tf.tidy(() => tf.softmax(fusionForward(params, input, config).fusedLogits).squeeze([0]));
  const values = (await probs.array()) as number[][];
  probs.dispose(); disposeFusionInput(input); disposeParams(params);
  return values;
}
