import { defineConfig, type Plugin } from 'vite';
import { cpSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { writeManifest } from './tools/write-manifest.ts';

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

/**
 * `vite build --mode lib`: the npm library and the widget as self-contained ES modules in dist/lib/ (their
 * Workers and the audio worklet as separate files beside them), so a plain page needs one script tag and a
 * bundler needs no extra dependencies. Models and runtimes are served from the app's own folders (see README).
 */
/**
 * Library mode inlines every `new URL(asset, import.meta.url)` as base64; onnxruntime-web names its default WASM
 * that way (two ~25 MB copies). EmoLens always sets the WASM paths to vendorBaseUrl, so that default is never
 * fetched: point it at the vendor-less relative name instead of embedding it.
 */
function keepOrtWasmExternal(): Plugin {
  return {
    name: 'emolens-keep-ort-wasm-external',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('onnxruntime-web') || !code.includes('.wasm')) return null;
      return code.replace(/new URL\((["'][^"']+\.wasm["']),\s*import\.meta\.url\)/g, 'new URL($1, self.location.href)');
    },
  };
}

/**
 * The library's assets beside it, so `dist/lib/` is complete on its own (the widget's defaults point there):
 * models/ (public/models) and vendor/ with only the runtime files the bundle asks for: the onnxruntime-web
 * variant named in the built worker (not all four, ~85 MB), tfjs' WASM binaries, the face detector weights and the Silero VAD model,
 * and vendor/manifest.json, which the face worker checks the detector's weights against.
 */
function copyLibraryAssets(): Plugin {
  return {
    name: 'emolens-copy-library-assets',
    apply: 'build',
    closeBundle() {
      const out = 'dist/lib';
      if (!existsSync('public/vendor/ort')) throw new Error('public/vendor is missing: run `npm run setup:assets` first');
      cpSync('public/models', join(out, 'models'), { recursive: true });
      const built = readdirSync(join(out, 'assets')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(out, 'assets', f), 'utf8')).join('\n');
      const ortFiles = new Set(built.match(/ort-wasm-simd-threaded[a-z.]*\.(?:mjs|wasm)/g) ?? []);
      if (!ortFiles.size) throw new Error('library build: no onnxruntime-web file name found in the built worker');
      mkdirSync(join(out, 'vendor/ort'), { recursive: true });
      for (const f of ortFiles) cpSync(join('public/vendor/ort', f), join(out, 'vendor/ort', f));
      cpSync('public/vendor/tfjs-wasm', join(out, 'vendor/tfjs-wasm'), { recursive: true });
      cpSync('public/vendor/face-api', join(out, 'vendor/face-api'), { recursive: true });
      cpSync('public/vendor/silero', join(out, 'vendor/silero'), { recursive: true });
      writeManifest(join(out, 'vendor'));
    },
  };
}

const libraryBuild = defineConfig({
  plugins: [keepOrtWasmExternal(), copyLibraryAssets()],
  // Relative URLs: the package's Workers and worklet are found beside the module, wherever it is served from.
  base: './',
  publicDir: false,
  worker: { format: 'es', plugins: () => [keepOrtWasmExternal()] },
  build: {
    target: 'es2022',
    outDir: 'dist/lib',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    lib: { entry: { emolens: 'src/index.ts', 'emolens-widget': 'src/widget/element.ts' }, formats: ['es'] },
  },
});

const appBuild = defineConfig({
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

export default defineConfig((env) => (env.mode === 'lib' ? libraryBuild : appBuild));
