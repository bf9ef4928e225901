/**
 * tfjs' WASM backend with a checked binary: the backend fetches its .wasm itself, past any check, so the binary it
 * will ask for is fetched first through `fetchFile` (AssetLoader.fetchVerified: size and SHA-256 against the vendor
 * manifest) and handed to it through tfjs' platform fetch. Call before `tf.setBackend('wasm')`. Threads stay off:
 * the threaded build hangs after `vite build`.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { wasmRefusal } from './csp.ts';

type PlatformFetch = (path: string, init?: RequestInit) => Promise<Response>;

/** `folder`: the URL folder of the binaries (e.g. `/vendor/tfjs-wasm/`); `fetchFile(name)` returns a checked file of it. */
export async function prepareWasmBackend(folder: string, fetchFile?: (name: string) => Promise<ArrayBuffer>): Promise<void> {
  // tfjs compiles its binary in a promise chain with no rejection handler: where compiling is refused (a page
  // policy without 'wasm-unsafe-eval'), setBackend would wait forever. Ask first.
  const refusal = await wasmRefusal();
  if (refusal) throw new Error(`WebAssembly may not run here: ${refusal}`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  const prefix = folder.endsWith('/') ? folder : `${folder}/`;
  if (!fetchFile) { setWasmPaths(prefix); return; }
  // The file tfjs picks without threads: the SIMD build where the browser has SIMD.
  const file = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  const bytes = await fetchFile(file);
  const platform = tf.env().platform as unknown as { fetch: PlatformFetch };
  const original: PlatformFetch = platform.fetch.bind(platform);
  platform.fetch = (path, init) => (String(path).endsWith(`/${file}`)
    ? Promise.resolve(new Response(bytes.slice(0), { headers: { 'Content-Type': 'application/wasm' } }))
    : original(path, init));
  setWasmPaths(prefix, true);
}
