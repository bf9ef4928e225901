/**
 * The library's configuration: every option documented with its default, merged from a Partial (nested
 * `modalities` merged key by key) and checked, so a typo fails at once with a message instead of later.
 */
import { BACKENDS, isBackendName } from './runtime/backend-names.ts';
import { DEFAULT_ENGINE_CONFIG, engineConfig, type EngineConfig } from './runtime/engine-config.ts';
import type { ProgressCallback } from './runtime/assets.ts';
import { MODALITIES, type Modality } from './labels.ts';
import { checkSmoothing } from './session/smoothing.ts';
import { DEFAULT_SPEAKER } from './session/turn.ts';

/** Every option: the models' (EngineConfig: modelsBaseUrl, vendorBaseUrl, backend, textModel) and these. */
export interface EmoLensConfig extends EngineConfig {
  /** Which modalities are read. A disabled one is never captured nor fed to the fusion. Default: all three. */
  modalities: Record<Modality, boolean>;
  /** Temporal smoothing of the probabilities, in [0, 1): 0 = raw (default), 0.6 = steady. */
  smoothing: number;
  /** Run the models in a module Worker so the page's main thread stays free. Default true. */
  worker: boolean;
  /** Speaker name for turns that do not name one. Default `Me`. */
  speaker: string;
  /** Model download and check progress (initiate, progress, done, ready). */
  onProgress?: ProgressCallback;
}

export const DEFAULT_CONFIG: Readonly<EmoLensConfig> = Object.freeze({
  ...DEFAULT_ENGINE_CONFIG,
  modalities: Object.freeze({ text: true, audio: true, face: true }),
  smoothing: 0,
  worker: true,
  speaker: DEFAULT_SPEAKER,
});

export type EmoLensOptions = Partial<Omit<EmoLensConfig, 'modalities'>> & { modalities?: Partial<Record<Modality, boolean>> };

/**
 * A folder URL with a trailing slash, resolved against the page (a Worker would resolve a relative URL against its
 * own script). Same-origin folders become root-relative paths, the form Transformers.js reads as a local model path.
 */
function folderUrl(url: string, base: string): string {
  const resolved = new URL(url, base);
  const path = resolved.origin === new URL(base).origin ? resolved.pathname : resolved.href;
  return path.endsWith('/') ? path : `${path}/`;
}

export { engineConfig, type EngineConfig };

/** `base` with `options` applied on top, checked. Unknown keys are refused (a misspelt option would be ignored). */
export function mergeConfig(base: Readonly<EmoLensConfig>, options: EmoLensOptions = {}, pageUrl = globalThis.location?.href ?? 'http://localhost/'): EmoLensConfig {
  const known = new Set<string>([...Object.keys(DEFAULT_CONFIG), 'backend', 'onProgress']);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new TypeError(`Unknown EmoLens option "${key}" (known: ${[...known].join(', ')})`);
  for (const key of Object.keys(options.modalities ?? {})) if (!(MODALITIES as readonly string[]).includes(key)) throw new TypeError(`Unknown modality "${key}" (known: ${MODALITIES.join(', ')})`);
  // An option given as undefined means "not given": it keeps the default (`{ worker: undefined }` stays in a Worker).
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as EmoLensOptions;
  const modalities = Object.fromEntries(Object.entries(options.modalities ?? {}).filter(([, v]) => v !== undefined));
  const merged: EmoLensConfig = { ...base, ...given, modalities: { ...base.modalities, ...modalities } } as EmoLensConfig;
  if (merged.backend !== undefined && !isBackendName(merged.backend)) throw new TypeError(`Unknown backend "${merged.backend}": use ${BACKENDS.join(', ')}, or leave it unset`);
  checkSmoothing(merged.smoothing);
  if (!Object.values(merged.modalities).some(Boolean)) throw new TypeError('At least one modality (text, audio, face) must be enabled');
  merged.modelsBaseUrl = folderUrl(merged.modelsBaseUrl, pageUrl);
  merged.vendorBaseUrl = folderUrl(merged.vendorBaseUrl, pageUrl);
  return merged;
}
