import { defineConfig } from 'vite';

// COOP/COEP make the page cross-origin isolated, which threaded WASM (onnxruntime-web) needs.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers: isolation },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: isolation },
  // These packages ship their own WASM loaders; pre-bundling them breaks their relative file lookups.
  optimizeDeps: { exclude: ['onnxruntime-web', '@huggingface/transformers'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
});
