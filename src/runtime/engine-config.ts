/**
 * What the models need to load: the part of the library's configuration (src/config.ts extends it) that goes to
 * the engine and crosses to the inference Worker (plain data, no callbacks).
 */
import type { BackendName } from './backend-names.ts';

export interface EngineConfig {
  /** URL folder holding manifest.json, bundles.json and the model folders (text-encoder/, audio-encoder/, …). Default `/models/`. */
  modelsBaseUrl: string;
  /** URL folder of the runtimes the page serves itself: tfjs-wasm/, ort/, face-api/ (and their manifest.json). Default `/vendor/`. */
  vendorBaseUrl: string;
  /** Force a tfjs backend. Default: none, i.e. WebGPU → WebGL → WASM → CPU, the first that works. */
  backend?: BackendName;
  /** Text encoder: one listed in models/bundles.json (a folder under modelsBaseUrl or a Transformers.js model id), which names its head and fusion. Default `text-encoder`. */
  textModel: string;
  /** Which modalities' encoders load with the engine; the others load on their first use. Default: all three. */
  modalities?: Record<'text' | 'audio' | 'face', boolean>;
}

export const DEFAULT_ENGINE_CONFIG: Readonly<EngineConfig> = Object.freeze({ modelsBaseUrl: '/models/', vendorBaseUrl: '/vendor/', textModel: 'text-encoder' });

/** The engine's part of a configuration (a copy; `backend` only when one is forced, `modalities` when given). */
export function engineConfig(config: Readonly<EngineConfig>): EngineConfig {
  const { modelsBaseUrl, vendorBaseUrl, backend, textModel, modalities } = config;
  return { modelsBaseUrl, vendorBaseUrl, textModel, ...(backend === undefined ? {} : { backend }), ...(modalities ? { modalities: { ...modalities } } : {}) };
}
