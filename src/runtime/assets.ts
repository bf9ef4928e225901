/**
 * Loads the model files EmoLens serves itself, checked against `models/manifest.json` (byte size and SHA-256),
 * with progress. A missing, truncated or corrupt file fails with an `AssetError` that names the file.
 * tfjs models load through `layersModelHandler`; Transformers.js loads through `fetch` (see `src/text/env.ts`).
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

export class AssetLoader {
  private manifest?: AssetManifest;
  /**
   * AssetErrors thrown through `verifiedFetch`: Transformers.js catches what its fetch throws and reports
   * "file was not found locally" instead, so `explain` puts the error that names the file back.
   */
  private readonly swallowed: AssetError[] = [];

  /** @param baseUrl folder that holds manifest.json and the model folders, e.g. `/models/`. */
  /** `label` names the kind of file in errors: "Model file", or "Runtime file" for the vendor folder. */
  constructor(readonly baseUrl: string, private readonly onProgress: ProgressCallback = () => {}, private readonly fetchImpl: typeof fetch = (...args) => fetch(...args), private readonly label = 'Model file') {
    if (!this.baseUrl.endsWith('/')) this.baseUrl += '/';
  }

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

  /** Fetches `file` (relative to baseUrl), streaming progress, and checks it against the manifest. */
  async fetchVerified(file: string): Promise<ArrayBuffer> {
    const entry = (await this.loadManifest()).files[file];
    if (!entry) throw this.error(file, 'is not listed in manifest.json');
    const url = this.baseUrl + file;
    this.onProgress({ status: 'initiate', file, loaded: 0, total: entry.bytes });
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
