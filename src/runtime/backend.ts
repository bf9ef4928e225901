/**
 * Picks the tfjs backend for EmoLens' models: WebGPU → WebGL → WASM → CPU, or exactly the one asked for.
 * `tf.setBackend` returns false (and tfjs silently stays elsewhere) when a backend cannot start, so every
 * attempt is checked and the reason for each skipped backend is reported.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { wasmRefusal } from './csp.ts';
import { BACKENDS, isBackendName, type BackendChoice, type BackendName } from './backend-names.ts';

export { BACKENDS, isBackendName, type BackendChoice, type BackendName };

export interface BackendOptions {
  /** Run exactly this backend; an error names why if it cannot start. Default: try the order. */
  backend?: BackendName;
  /** Order to try when no backend is forced. Default: webgpu, webgl, wasm, cpu. */
  order?: readonly BackendName[];
  /** URL folder of the tfjs WASM binaries, served by the app itself (never a CDN). Default `/vendor/tfjs-wasm/`. */
  wasmPaths?: string;
}

export class BackendUnavailableError extends Error {
  constructor(readonly backend: BackendName, readonly reason: string) {
    super(`tfjs backend "${backend}" is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}


/** Why `backend` cannot run here, or null if it can (tfjs is then switched to it). */
async function tryBackend(backend: BackendName, wasmPaths: string): Promise<string | null> {
  if (backend === 'webgpu') {
    const gpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } } | undefined)?.gpu;
    if (!gpu) return 'navigator.gpu is missing (no WebGPU in this browser, or not a secure context)';
    const adapter = await gpu.requestAdapter().catch(() => null);
    if (!adapter) return 'navigator.gpu.requestAdapter() found no adapter';
  }
  if (backend === 'webgl' && typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
    return 'no canvas to create a WebGL context on';
  }
  if (backend === 'wasm') {
    // The threaded WASM build hangs after `vite build` (DESIGN §7); the single-threaded SIMD build is reliable.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (typeof window !== 'undefined' || typeof WorkerGlobalScope !== 'undefined') setWasmPaths(wasmPaths);
  }
  try {
    const ok = await tf.setBackend(backend);
    if (!ok && backend === 'wasm') {
      // tfjs only logs why; a page policy without 'wasm-unsafe-eval' is the usual cause, and the fix is the page's.
      const refusal = await wasmRefusal();
      if (refusal) return `WebAssembly may not run here: ${refusal}`;
    }
    if (!ok) return `tf.setBackend('${backend}') returned false`;
    await tf.ready();
    if (tf.getBackend() !== backend) return `tfjs stayed on "${tf.getBackend()}"`;
    return null;
  } catch (error) {
    return `failed to initialise: ${(error as Error).message}`;
  }
}

declare const WorkerGlobalScope: unknown;

export async function chooseBackend(options: BackendOptions = {}): Promise<BackendChoice> {
  const wasmPaths = options.wasmPaths ?? '/vendor/tfjs-wasm/';
  if (options.backend) {
    const reason = await tryBackend(options.backend, wasmPaths);
    if (reason) throw new BackendUnavailableError(options.backend, reason);
    return { backend: options.backend, skipped: [] };
  }
  const skipped: BackendChoice['skipped'] = [];
  for (const backend of options.order ?? BACKENDS) {
    const reason = await tryBackend(backend, wasmPaths);
    if (!reason) return { backend, skipped };
    skipped.push({ backend, reason });
  }
  throw new Error(`No tfjs backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}
