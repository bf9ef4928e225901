import { defineConfig, type Plugin } from 'vite';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';

// COOP/COEP make the page cross-origin isolated, which threaded WASM (onnxruntime-web) needs.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.bin': 'application/octet-stream', '.jpg': 'image/jpeg' };

/**
 * Dev server only: serve public/vendor/ (onnxruntime-web's loader and WASM, tfjs WASM, face-api weights) byte for
 * byte. onnxruntime-web imports its .mjs loader dynamically; Vite's dev server would append `?import` and refuse a
 * public file. The production build copies public/ as is and needs nothing.
 */
function serveVendorAsIs(): Plugin {
  return {
    name: 'emolens-serve-vendor',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        if (!path.startsWith('/vendor/')) return next();
        const file = normalize(join('public', decodeURIComponent(path)));
        if (!file.startsWith(join('public', 'vendor')) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
        createReadStream(file).pipe(res);
      });
    },
  };
}

export default defineConfig({
  plugins: [serveVendorAsIs()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true, headers: isolation },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: isolation },
  // These packages ship their own WASM loaders; pre-bundling them breaks their relative file lookups.
  optimizeDeps: { exclude: ['onnxruntime-web', '@huggingface/transformers'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html', faces: 'faces.html' } },
  },
});
