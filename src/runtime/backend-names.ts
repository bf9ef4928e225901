/** The tfjs backends EmoLens can run on, in the order it tries them (no tfjs import: the page's thread uses it). */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendChoice {
  backend: BackendName;
  /** Backends tried before the one that runs, each with why it was passed over. */
  skipped: { backend: BackendName; reason: string }[];
}

export function isBackendName(name: string | null | undefined): name is BackendName {
  return !!name && (BACKENDS as readonly string[]).includes(name);
}
