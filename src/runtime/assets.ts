/**
 * Loads the model files EmoLens serves itself, checked against `models/manifest.json` (byte size and SHA-256),
 * with progress. A missing, truncated or corrupt file fails with an `AssetError` that names the file.
 * tfjs models load through `layersModelHandler`; Transformers.js loads through `fetch` (see `src/text/env.ts`).
 * Verified files are kept in the browser's Cache API under their SHA-256 (`browserAssetCache`), so a second
 * visit downloads none of them, a changed file (new hash in the manifest) is fetched again, and a cached copy
 * that no longer matches its hash is dropped and fetched again.
 */
import type * as tf from '@tensorflow/tfjs';

export interface ManifestEntry { bytes: number; sha256: string }
export interface AssetManifest { version: number; files: Record<string, ManifestEntry> }

export interface ProgressEvent {
  status: 'initiate' | 'progress' | 'done' | 'ready';
  file: string;
  loaded: number;
  total: number;
}
export type ProgressCallback = (event: ProgressEvent) => void;

export class AssetError extends Error {
  /** `label` says what kind of file it is: "Model file" (default) or "Runtime file" (onnxruntime, tfjs WASM, face detector). */
  constructor(readonly file: string, detail: string, label = 'Model file') {
    super(`${label} "${file}" ${detail}`);
    this.name = 'AssetError';
  }
}

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const digest = await crypto.subtle.digest('SHA-256', view as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Where verified files are kept between visits, by the SHA-256 of their bytes. */
export interface AssetCache {
  get(sha256: string): Promise<ArrayBuffer | undefined>;
  put(sha256: string, bytes: ArrayBuffer): Promise<void>;
  delete(sha256: string): Promise<void>;
}

/** The Cache API storage every EmoLens page, Worker and version shares (entries are keyed by content, not URL). */
export const ASSET_CACHE_NAME = 'emolens-assets-v1';

/** Cache keys: URLs of the app's own origin that no server route answers (the Cache API wants a URL). */
function cacheKey(sha256: string): string {
  return new URL(`/__emolens-cache__/${sha256}`, globalThis.location?.origin ?? 'http://localhost').href;
}

/** The Cache API as an AssetCache, or undefined where there is none (Node, an insecure origin, some private modes). */
export function browserAssetCache(): AssetCache | undefined {
  if (typeof caches === 'undefined' || !globalThis.location) return undefined;
  let opened: Promise<Cache> | undefined;
  const open = () => (opened ??= caches.open(ASSET_CACHE_NAME));
  return {
    async get(sha256) {
      const hit = await (await open()).match(cacheKey(sha256));
      return hit ? hit.arrayBuffer() : undefined;
    },
    async put(sha256, bytes) {
      await (await open()).put(cacheKey(sha256), new Response(bytes, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) } }));
    },
    async delete(sha256) { await (await open()).delete(cacheKey(sha256)); },
  };
}

/** Deletes every cached model and runtime file; true when there was a cache to delete. */
export async function clearAssetCache(): Promise<boolean> {
  if (typeof caches === 'undefined') return false;
  return caches.delete(ASSET_CACHE_NAME);
}

/** What the cache did for this loader's files. */
export interface CacheStats { hits: number; misses: number; replaced: number; files: Record<string, 'cache' | 'network'> }

export class AssetLoader {
  private manifest?: AssetManifest;
  readonly cacheStats: CacheStats = { hits: 0, misses: 0, replaced: 0, files: {} };
  /**
   * AssetErrors thrown through `verifiedFetch`: Transformers.js catches what its fetch throws and reports
   * "file was not found locally" instead, so `explain` puts the error that names the file back.
   */
  private readonly swallowed: AssetError[] = [];

  /** @param baseUrl folder that holds manifest.json and the model folders, e.g. `/models/`. */
  /**
   * `label` names the kind of file in errors: "Model file", or "Runtime file" for the vendor folder. `cache`: where
   * verified files are kept (default: the browser's Cache API where there is one; null: none).
   */
  constructor(readonly baseUrl: string, private readonly onProgress: ProgressCallback = () => {}, private readonly fetchImpl: typeof fetch = (...args) => fetch(...args), private readonly label = 'Model file', cache?: AssetCache | null) {
    if (!this.baseUrl.endsWith('/')) this.baseUrl += '/';
    this.cache = cache === undefined ? browserAssetCache() : (cache ?? undefined);
  }

  private readonly cache?: AssetCache;

  private error(file: string, detail: string): AssetError { return new AssetError(file, detail, this.label); }

  async loadManifest(): Promise<AssetManifest> {
    if (this.manifest) return this.manifest;
    const url = `${this.baseUrl}manifest.json`;
    let response: Response;
    try { response = await this.fetchImpl(url); } catch (e) { throw this.error('manifest.json', `could not be fetched from ${url}: ${(e as Error).message}`); }
    if (!response.ok) throw this.error('manifest.json', `could not be fetched from ${url} (HTTP ${response.status})`);
    try { this.manifest = (await response.json()) as AssetManifest; } catch { throw this.error('manifest.json', 'is not valid JSON'); }
    return this.manifest;
  }

  /** Total bytes of the given files (or of every file), for progress bars and the benchmark. */
  async bytes(files?: string[]): Promise<number> {
    const m = await this.loadManifest();
    return (files ?? Object.keys(m.files)).reduce((n, f) => n + (m.files[f]?.bytes ?? 0), 0);
  }

  /**
   * `file` (relative to baseUrl), checked against the manifest: from the cache when it holds the same bytes, else
   * fetched with streaming progress (and then cached).
   */
  async fetchVerified(file: string): Promise<ArrayBuffer> {
    const entry = (await this.loadManifest()).files[file];
    if (!entry) throw this.error(file, 'is not listed in manifest.json');
    this.onProgress({ status: 'initiate', file, loaded: 0, total: entry.bytes });
    const cached = await this.fromCache(entry);
    if (cached) {
      this.cacheStats.hits++; this.cacheStats.files[file] = 'cache';
      this.onProgress({ status: 'done', file, loaded: entry.bytes, total: entry.bytes });
      return cached;
    }
    const bytes = await this.fromNetwork(file, entry);
    this.cacheStats.misses++; this.cacheStats.files[file] = 'network';
    // A full or unavailable cache costs the next visit a download, not this one its file.
    await this.cache?.put(entry.sha256, bytes).catch(() => {});
    return bytes;
  }

  /** The cached bytes of `entry` when they still match it; a copy that does not (disk corruption, a tampered cache) is dropped. */
  private async fromCache(entry: ManifestEntry): Promise<ArrayBuffer | undefined> {
    if (!this.cache) return undefined;
    const bytes = await this.cache.get(entry.sha256).catch(() => undefined);
    if (!bytes) return undefined;
    if (bytes.byteLength === entry.bytes && (await sha256Hex(bytes)) === entry.sha256) return bytes;
    this.cacheStats.replaced++;
    await this.cache.delete(entry.sha256).catch(() => {});
    return undefined;
  }

  private async fromNetwork(file: string, entry: ManifestEntry): Promise<ArrayBuffer> {
    const url = this.baseUrl + file;
    let response: Response;
    try { response = await this.fetchImpl(url); } catch (e) { throw this.error(file, `could not be fetched from ${url}: ${(e as Error).message}`); }
    if (!response.ok) throw this.error(file, `is missing (HTTP ${response.status} for ${url})`);
    const bytes = await this.readWithProgress(file, response, entry.bytes);
    if (bytes.byteLength !== entry.bytes) throw this.error(file, `is ${bytes.byteLength} bytes, the manifest expects ${entry.bytes}: truncated or replaced`);
    const hash = await sha256Hex(bytes);
    if (hash !== entry.sha256) throw this.error(file, `is corrupt: SHA-256 ${hash.slice(0, 12)}… differs from the manifest's ${entry.sha256.slice(0, 12)}…`);
    this.onProgress({ status: 'done', file, loaded: entry.bytes, total: entry.bytes });
    return bytes.buffer as ArrayBuffer;
  }

  private async readWithProgress(file: string, response: Response, total: number): Promise<Uint8Array> {
    if (!response.body) return new Uint8Array(await response.arrayBuffer());
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      this.onProgress({ status: 'progress', file, loaded, total });
    }
    const out = new Uint8Array(loaded);
    let offset = 0;
    for (const c of chunks) { out.set(c, offset); offset += c.byteLength; }
    return out;
  }

  /** A tfjs IOHandler for a layers model in `folder` (model.json + weight files), every file verified. */
  layersModelHandler(folder: string): tf.io.IOHandler {
    return {
      load: async (): Promise<tf.io.ModelArtifacts> => {
        const jsonFile = `${folder}/model.json`;
        let modelJson: { modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig; format?: string; generatedBy?: string; userDefinedMetadata?: Record<string, object> };
        try { modelJson = JSON.parse(new TextDecoder().decode(await this.fetchVerified(jsonFile))); } catch (e) {
          if (e instanceof AssetError) throw e;
          throw this.error(jsonFile, 'is not valid JSON');
        }
        const specs: tf.io.WeightsManifestEntry[] = [];
        const parts: ArrayBuffer[] = [];
        for (const group of modelJson.weightsManifest) {
          specs.push(...group.weights);
          for (const p of group.paths) parts.push(await this.fetchVerified(`${folder}/${p}`));
        }
        const weightData = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
        let offset = 0;
        for (const p of parts) { weightData.set(new Uint8Array(p), offset); offset += p.byteLength; }
        return { modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData: weightData.buffer, format: modelJson.format, generatedBy: modelJson.generatedBy, userDefinedMetadata: modelJson.userDefinedMetadata };
      },
    };
  }

  /**
   * A `fetch` for Transformers.js (`env.fetch`): files under baseUrl are verified against the manifest; other
   * files of the app itself (onnxruntime's WASM under /vendor/) pass through; other origins are refused, so no
   * model request ever leaves the app.
   */
  readonly verifiedFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    // The app's origin: the page's, or (in Node, which has no location) the model folder's.
    const base = new URL(this.baseUrl, globalThis.location?.href);
    const url = new URL(String(input), base);
    if (url.origin !== (globalThis.location?.origin ?? base.origin)) throw this.error(url.href, 'is on another origin; EmoLens only loads files the app serves itself');
    if (!url.href.startsWith(base.href)) return this.fetchImpl(url.href, init);
    const file = decodeURIComponent(url.pathname.slice(base.pathname.length));
    const manifest = await this.loadManifest();
    if (!manifest.files[file]) return new Response(null, { status: 404, statusText: 'Not in manifest' });
    let body: ArrayBuffer;
    try { body = await this.fetchVerified(file); } catch (error) {
      if (error instanceof AssetError) this.swallowed.push(error);
      throw error;
    }
    return new Response(body, { status: 200, headers: { 'content-length': String(body.byteLength) } });
  };

  /** The AssetError behind `error` when a library swallowed it (see `swallowed`), else `error` itself. */
  explain(error: unknown): unknown {
    return error instanceof AssetError ? error : (this.swallowed[0] ?? error);
  }
}
