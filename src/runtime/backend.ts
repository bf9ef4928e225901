/**
 * Picks the tfjs backend for EmoLens' models: WebGPU → WebGL → WASM → CPU, or exactly the one asked for.
 * `tf.setBackend` returns false (and tfjs silently stays elsewhere) when a backend cannot start, so every
 * attempt is checked and the reason for each skipped backend is reported. The WebGPU backend is registered by
 * whoever may use it (src/runtime/engine.ts), so the face worker, which never does, does not carry it.
 */
import * as tf from '@tensorflow/tfjs';
import { prepareWasmBackend } from './tfjs-wasm.ts';
import { AssetError } from './assets.ts';

import { BACKENDS, isBackendName, type BackendChoice, type BackendName } from './backend-names.ts';

export { BACKENDS, isBackendName, type BackendChoice, type BackendName };

export interface BackendOptions {
  /** Run exactly this backend; an error names why if it cannot start. Default: try the order. */
  backend?: BackendName;
  /** Order to try when no backend is forced. Default: webgpu, webgl, wasm, cpu. */
  order?: readonly BackendName[];
  /** URL folder of the tfjs WASM binaries, served by the app itself (never a CDN). Default `/vendor/tfjs-wasm/`. */
  wasmPaths?: string;
  /** Fetches a binary of that folder, checked (AssetLoader.fetchVerified); without it the backend fetches its own. */
  fetchWasm?: (name: string) => Promise<ArrayBuffer>;
}

export class BackendUnavailableError extends Error {
  constructor(readonly backend: BackendName, readonly reason: string) {
    super(`tfjs backend "${backend}" is not available: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}


/** Why `backend` cannot run here, or null if it can (tfjs is then switched to it). */
async function tryBackend(backend: BackendName, wasmPaths: string, fetchWasm?: (name: string) => Promise<ArrayBuffer>): Promise<string | null> {
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
    // The threaded WASM build hangs after `vite build`; the single-threaded SIMD build is reliable.
    if (typeof window !== 'undefined' || typeof WorkerGlobalScope !== 'undefined') {
      try { await prepareWasmBackend(wasmPaths, fetchWasm); } catch (error) {
        // A missing or corrupt binary is the deployment's fault: say so rather than fall back in silence.
        if (error instanceof AssetError) throw error;
        return `its binary could not be prepared: ${(error as Error).message}`;
      }
    } else {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
  }
  try {
    // A backend whose initialisation never settles (seen with WASM when compiling fails) must not stall the choice.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ok = await Promise.race([tf.setBackend(backend), new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), BACKEND_START_MS); })])
      .finally(() => clearTimeout(timer));
    if (ok === 'timeout') return `it did not start within ${BACKEND_START_MS / 1000} s`;
    if (!ok) return `tf.setBackend('${backend}') returned false`;
    await tf.ready();
    if (tf.getBackend() !== backend) return `tfjs stayed on "${tf.getBackend()}"`;
    return null;
  } catch (error) {
    return `failed to initialise: ${(error as Error).message}`;
  }
}

declare const WorkerGlobalScope: unknown;

/** Longest a backend may take to start (WebGL shader compilation on a software GPU takes a few seconds). */
const BACKEND_START_MS = 60_000;

export async function chooseBackend(options: BackendOptions = {}): Promise<BackendChoice> {
  const wasmPaths = options.wasmPaths ?? '/vendor/tfjs-wasm/';
  if (options.backend) {
    const reason = await tryBackend(options.backend, wasmPaths, options.fetchWasm);
    if (reason) throw new BackendUnavailableError(options.backend, reason);
    return { backend: options.backend, skipped: [] };
  }
  const skipped: BackendChoice['skipped'] = [];
  for (const backend of options.order ?? BACKENDS) {
    const reason = await tryBackend(backend, wasmPaths, options.fetchWasm);
    if (!reason) return { backend, skipped };
    skipped.push({ backend, reason });
  }
  throw new Error(`No tfjs backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}
