import { defineConfig, type Plugin } from 'vite';
import { cpSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, normalize, relative } from 'node:path';
import { brotliCompressSync, constants as zlib, createBrotliCompress, createGzip, gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { writeManifest } from './tools/write-manifest.ts';

// COOP/COEP make the page cross-origin isolated, which threaded WASM (onnxruntime-web) needs.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.bin': 'application/octet-stream', '.onnx': 'application/octet-stream', '.jpg': 'image/jpeg', '.html': 'text/html', '.css': 'text/css' };

/** Files worth compressing for delivery: code, WASM, model weights and JSON (images are compressed already). */
const COMPRESSIBLE = new Set(['.js', '.mjs', '.wasm', '.json', '.bin', '.onnx', '.css', '.html', '.svg']);
const MIN_COMPRESS_BYTES = 10_000;

/**
 * Writes `file.br` (brotli) and `file.gz` beside every compressible file of `dir` (skipping `skip` folders), where it
 * saves at least 5 %: static hosts and the preview server send them to browsers that accept them. Brotli quality 6
 * with a 16 MB window: onnxruntime's 26.9 MB WASM becomes 4.9 MB in 2.6 s here (quality 9: 4.6 MB in 9.5 s).
 */
function precompress(dir: string, skip: string[] = []): { files: number; bytes: number; br: number } {
  const out = { files: 0, bytes: 0, br: 0 };
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (skip.includes(relative(dir, path))) continue;
      if (statSync(path).isDirectory()) { walk(path); continue; }
      if (!COMPRESSIBLE.has(extname(name)) || statSync(path).size < MIN_COMPRESS_BYTES) continue;
      const raw = readFileSync(path);
      const br = brotliCompressSync(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 6, [zlib.BROTLI_PARAM_LGWIN]: 24, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } });
      if (br.length > raw.length * 0.95) continue;
      writeFileSync(`${path}.br`, br);
      writeFileSync(`${path}.gz`, gzipSync(raw, { level: 6 }));
      out.files++; out.bytes += raw.length; out.br += br.length;
    }
  };
  walk(dir);
  return out;
}

function precompressOnBuild(dir: string, skip: string[] = []): Plugin {
  return {
    name: 'emolens-precompress',
    apply: 'build',
    enforce: 'post',
    closeBundle() {
      const started = Date.now();
      const r = precompress(dir, skip);
      console.log(`precompressed ${r.files} files in ${dir}: ${(r.bytes / 1e6).toFixed(1)} MB -> ${(r.br / 1e6).toFixed(1)} MB brotli (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    },
  };
}

/** The encoding to send for a request: brotli where the browser takes it, else gzip, else none. */
function pickEncoding(req: IncomingMessage): 'br' | 'gzip' | undefined {
  const accepted = String(req.headers['accept-encoding'] ?? '');
  return /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : undefined;
}

/**
 * Preview server: a request for a file that has a precompressed twin gets the twin, with the original's type and
 * `Content-Encoding`, `Vary: Accept-Encoding` and the isolation headers (Vite's static server knows neither).
 */
function servePrecompressed(root: string): Plugin {
  const send = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = decodeURIComponent((req.url ?? '').split('?')[0]);
    const encoding = pickEncoding(req);
    const file = normalize(join(root, path));
    if (!encoding || req.method !== 'GET' || !file.startsWith(normalize(root))) { next(); return; }
    const twin = `${file}.${encoding === 'br' ? 'br' : 'gz'}`;
    if (!existsSync(twin) || !existsSync(file)) { next(); return; }
    res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', String(statSync(twin).size));
    res.setHeader('Vary', 'Accept-Encoding');
    for (const [k, v] of Object.entries(isolation)) res.setHeader(k, v);
    createReadStream(twin).pipe(res);
  };
  return { name: 'emolens-serve-precompressed', configurePreviewServer(server) { server.middlewares.use(send); } };
}

/**
 * Dev server only: serve public/vendor/ (onnxruntime-web's loader and WASM, tfjs WASM, face-api weights) byte for
 * byte (compressed on the wire where the browser takes it). onnxruntime-web imports its .mjs loader dynamically; Vite's dev server would append `?import` and refuse a
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
        // Compressed on the fly (fast settings: the dev server sends each file once per page load).
        const encoding = COMPRESSIBLE.has(extname(file)) ? pickEncoding(req) : undefined;
        if (!encoding) { createReadStream(file).pipe(res); return; }
        res.setHeader('Content-Encoding', encoding);
        res.setHeader('Vary', 'Accept-Encoding');
        createReadStream(file).pipe(encoding === 'br' ? createBrotliCompress({ params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } }) : createGzip({ level: 4 })).pipe(res);
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
  // dist/lib is the npm package's (the library build runs after this one): its users' servers compress it.
  plugins: [serveVendorAsIs(), precompressOnBuild('dist', ['lib']), servePrecompressed('dist')],
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
