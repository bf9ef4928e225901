/**
 * The ONE place that configures Transformers.js for EmoLens: offline by default (model hubs may be unreachable, and nothing should leave the machine), models read from a
 * local path (public/models in Node, /models/ in the page), and onnxruntime-web's WASM files served by the app
 * itself (`/vendor/ort/`) rather than a CDN. Call before loading any tokenizer or model; later calls override.
 */
import { env } from '@huggingface/transformers';

export interface TransformersConfig {
  /** Folder (Node) or URL prefix (browser) holding `<model>/config.json`, tokenizer files and `onnx/model.onnx`. */
  localModelPath?: string;
  /** Allow fetching models from the Hugging Face Hub (or `remoteHost`). Default false: nothing leaves the machine. */
  allowRemoteModels?: boolean;
  /** Browser only: where onnxruntime-web's .wasm/.mjs files are served. Default `/vendor/ort/` (the app's own copy). */
  wasmPaths?: string;
  /** Optional self-hosted mirror of the Hub. */
  remoteHost?: string;
  /** The fetch Transformers.js uses for every file: the page passes `AssetLoader.verifiedFetch`, which checks
   * model files against the manifest and refuses other origins. Default: the global fetch. */
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Browser only: onnxruntime-web's WASM binary (ORT_WASM_FILE), already fetched and checked, so the runtime does not
   * fetch its own unchecked copy. */
  wasmBinary?: ArrayBuffer;
}

/**
 * The WASM binary onnxruntime-web loads here: Transformers.js's web build imports `onnxruntime-web/webgpu`
 * (ort.webgpu.bundle.min.mjs), whose WASM is the asyncify build. A unit test holds this name to the installed
 * package, so an upgrade that changes it fails there first.
 */
export const ORT_WASM_FILE = 'ort-wasm-simd-threaded.asyncify.wasm';

// Node (tests, trainers) vs page/Worker: only Node has process.versions.node.
const isBrowser = !(typeof process !== 'undefined' && !!process.versions?.node);

export const DEFAULT_LOCAL_MODEL_PATH = isBrowser ? '/models/' : 'public/models/';
export const DEFAULT_WASM_PATHS = '/vendor/ort/';

let configured: Required<Omit<TransformersConfig, 'remoteHost' | 'fetch' | 'wasmBinary'>> | undefined;

export function configureTransformers(config: TransformersConfig = {}): void {
  const localModelPath = config.localModelPath ?? DEFAULT_LOCAL_MODEL_PATH;
  const allowRemoteModels = config.allowRemoteModels ?? false;
  const wasmPaths = config.wasmPaths ?? DEFAULT_WASM_PATHS;
  env.allowLocalModels = true;
  env.localModelPath = localModelPath;
  env.allowRemoteModels = allowRemoteModels;
  if (config.remoteHost) env.remoteHost = config.remoteHost;
  if (config.fetch) env.fetch = config.fetch;
  // Node uses onnxruntime-node (native); only the browser loads the WASM runtime, and never from a CDN.
  if (isBrowser && env.backends.onnx.wasm) {
    env.backends.onnx.wasm.wasmPaths = wasmPaths;
    if (config.wasmBinary) env.backends.onnx.wasm.wasmBinary = config.wasmBinary;
  }
  // The verified fetch keeps files in EmoLens' own cache, checked by hash on every read; Transformers.js' cache
  // would hand a cached file back without that check.
  if (!isBrowser || config.fetch) env.useBrowserCache = false;
  configured = { localModelPath, allowRemoteModels, wasmPaths };
}

/** Configures with defaults unless `configureTransformers` was already called. */
export function ensureTransformersConfigured(): void {
  if (!configured) configureTransformers();
}

export function transformersConfig(): Readonly<Required<Omit<TransformersConfig, 'remoteHost' | 'fetch' | 'wasmBinary'>>> | undefined {
  return configured;
}
