/**
 * Model bundles (public/models/bundles.json): which head was fitted on each text encoder's pooled vectors, and
 * which fusion was trained on that head's embeddings. The model identity lives in that file, not in code, so the
 * `textModel` option picks a whole working set, and an encoder without a matching head or fusion fails at load
 * with a message that says what is missing.
 */
import { AssetError, type AssetLoader } from './assets.ts';

export interface ModelBundle {
  /** The text encoder: a folder under the models folder, or a Transformers.js model id. */
  text: string;
  head: string;
  /** The fusion trained on this head's embeddings; null when there is none. */
  fusion: string | null;
  audio: string;
  face: string;
}

interface BundlesFile { text: Record<string, { head: string; fusion: string | null }>; audio: string; face: string }

/** The bundle of `textModel`, checked; `fusion: true` also requires a fusion trained on it. */
export async function readBundle(loader: AssetLoader, textModel: string, need: { fusion: boolean }): Promise<ModelBundle> {
  let bundles: BundlesFile;
  try { bundles = JSON.parse(new TextDecoder().decode(await loader.fetchVerified('bundles.json'))) as BundlesFile; } catch (error) {
    if (error instanceof AssetError) throw error;
    throw new AssetError('bundles.json', 'is not valid JSON');
  }
  const text = bundles.text?.[textModel];
  if (!text) throw new Error(`textModel "${textModel}" is not in bundles.json (known: ${Object.keys(bundles.text ?? {}).join(', ')}): fit a head on it (tools/train/export-text.ts --refit) and add its bundle`);
  if (need.fusion && !text.fusion) throw new Error(`textModel "${textModel}": no fusion in this build was trained on its embeddings (bundles.json lists none); use it alone through TextEmotionEncoder, or train a fusion on it`);
  return { text: textModel, head: text.head, fusion: text.fusion, audio: bundles.audio, face: bundles.face };
}
