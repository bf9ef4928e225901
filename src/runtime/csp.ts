/**
 * WebAssembly under a Content-Security-Policy: tfjs' WASM backend and onnxruntime-web compile WASM, which a policy
 * allows only with 'wasm-unsafe-eval' in script-src. A Worker takes its policy from its own script's response, so
 * a page whose HTML allows it can still have Workers that may not. Browsers report the refusal in the runtime's own
 * words (often wrapped twice); this turns it into one message that says what to change.
 */
const BLOCKED = /wasm-unsafe-eval|Refused to compile or instantiate WebAssembly|WebAssembly.{0,200}Content Security Policy/i;

export function explainWasmBlocked(error: unknown): unknown {
  const message = (error as Error)?.message ?? String(error);
  if (!BLOCKED.test(message)) return error;
  const explained = new Error(`WebAssembly is blocked by the Content-Security-Policy: add 'wasm-unsafe-eval' to script-src in the policy of the page and of every script it serves (Worker scripts take the policy of their own response). (${message})`);
  explained.name = 'CspError';
  return explained;
}

/** Why this context may not compile WebAssembly (the browser's own words), or null when it may. */
export async function wasmRefusal(): Promise<string | null> {
  if (typeof WebAssembly === 'undefined') return 'this browser has no WebAssembly';
  try {
    // The smallest valid module: the 8-byte header.
    await WebAssembly.compile(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
    return null;
  } catch (error) {
    return (error as Error)?.message ?? String(error);
  }
}
