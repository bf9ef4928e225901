/**
 * The one tfjs backend set-up for Node tools (trainers, exporters, the evaluation CLI, benchmarks). WASM is the
 * fast choice for inference and training here; exporters ask for the CPU backend, whose plain float32 JavaScript
 * arithmetic is the reference the parity tests compare PyTorch with. WASM falls back to CPU when it cannot start.
 */
import * as tf from '@tensorflow/tfjs';

let backendReady: Promise<string> | undefined;

/** Sets tfjs' backend once per process (tfjs has one active backend); resolves with the one in use. */
export function nodeBackend(prefer: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  backendReady ??= (async () => {
    // Registered only when asked for: importing this module must not make WASM tfjs' default for code that never
    // set a backend (tfjs picks the highest-priority registered one).
    if (prefer === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
    if (prefer === 'cpu' || !(await tf.setBackend('wasm').catch(() => false))) await tf.setBackend('cpu');
    await tf.ready();
    return tf.getBackend();
  })();
  return backendReady;
}
