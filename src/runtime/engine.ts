/**
 * The engine: picks the tfjs backend, loads the fusion and the encoders of the enabled modalities (every file
 * checked against the manifest, with progress; the others load on first use), and turns raw inputs (text, 16 kHz PCM, 48×48 face crops) into embeddings and fused
 * turn results over a causal conversation.
 */
import * as tf from '@tensorflow/tfjs';
// Registers tfjs' WebGPU backend, the first one chooseBackend tries.
import '@tensorflow/tfjs-backend-webgpu';
// The same onnxruntime instance Transformers.js runs the text encoder on (it imports this entry point too): its WASM
// binary is configured and loaded once, for both models.
import * as ort from 'onnxruntime-web/webgpu';
import { AssetLoader, type ProgressCallback } from './assets.ts';
import { readBundle } from './bundles.ts';
import { chooseBackend, type BackendChoice } from './backend.ts';
import { configureTransformers, ORT_WASM_FILE } from '../text/env.ts';
import { TextEmotionEncoder } from '../text/encoder.ts';
import type { PastTurn } from '../text/tokenizer.ts';
import { AudioEncoder } from '../audio/encoder.ts';
import { extractAudioFeatures, type SpeakerNormalizer } from '../audio/features.ts';
import { SileroVad, type OrtRuntime, type SileroStream } from '../audio/silero-vad.ts';
import { FaceEncoder } from '../video/face-encoder.ts';
import { loadFusionParams, disposeParams } from '../fusion/weights.ts';
import { fusionForward, type FusionConfig, type FusionParams } from '../fusion/model.ts';
import { makeFusionInput, disposeFusionInput, type TurnFeatures } from '../fusion/batch.ts';
import { Conversation } from '../session/conversation.ts';
import type { ConversationState } from '../session/conversation-state.ts';
import { checkAudio, checkText } from '../validate.ts';
import { explainWasmBlocked } from './csp.ts';
import type { ModalityEmbedding, TurnEmbeddings, TurnEngine, TurnInputs, TurnResult } from '../session/results.ts';
import { meanFace } from '../session/turn.ts';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './engine-config.ts';

/** The library's configuration as far as the models go (EmoLensConfig documents each option), and progress. */
export type EngineOptions = EngineConfig & { onProgress?: ProgressCallback };

const MODALITY_NAMES = ['text', 'audio', 'face'] as const;

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { ...DEFAULT_ENGINE_CONFIG };

export type { ModalityEmbedding, TurnEngine };

/** The voice-activity model in the vendor folder (setup-assets copies it from @ricky0123/vad-web). */
export const SILERO_MODEL_FILE = 'silero/silero_vad_v5.onnx';

type Encoders = { text: TextEmotionEncoder; audio: AudioEncoder; face: FaceEncoder };
type ModalityName = keyof Encoders;

export class Engine implements TurnEngine {
  readonly conversation: Conversation;
  /** Each modality's encoder, loading or loaded: the enabled ones from the start, the others on first use. */
  private readonly encoders: { [M in ModalityName]?: Promise<Encoders[M]> } = {};
  /** onnxruntime's WASM binary, checked and handed to Transformers.js (the text encoder and Silero VAD run on it). */
  private onnxRuntime?: Promise<void>;

  private constructor(
    readonly backend: BackendChoice,
    readonly loader: AssetLoader,
    private readonly bundle: Awaited<ReturnType<typeof readBundle>>,
    private readonly fusionParams: FusionParams,
    readonly fusionConfig: FusionConfig,
    private readonly vendor: AssetLoader,
    private readonly o: EngineOptions,
  ) {
    this.conversation = new Conversation(fusionParams, fusionConfig);
  }

  static async create(options: Partial<EngineOptions> = {}): Promise<Engine> {
    try { return await Engine.load({ ...DEFAULT_ENGINE_OPTIONS, ...options }); } catch (error) { throw explainWasmBlocked(error); }
  }

  private static async load(o: EngineOptions): Promise<Engine> {
    // Models and the runtimes' WASM binaries are checked against their folders' manifests (sizes, SHA-256).
    const loader = new AssetLoader(o.modelsBaseUrl, o.onProgress);
    const vendor = new AssetLoader(o.vendorBaseUrl, o.onProgress, undefined, 'Runtime file');
    await Promise.all([loader.loadManifest(), vendor.loadManifest()]);
    const [backend, bundle] = await Promise.all([
      chooseBackend({ backend: o.backend, wasmPaths: `${o.vendorBaseUrl}tfjs-wasm/`, fetchWasm: (name) => vendor.fetchVerified(`tfjs-wasm/${name}`) }),
      readBundle(loader, o.textModel, { fusion: true }),
    ]);
    const fusion = await loadFusionParams(loader.layersModelHandler(bundle.fusion!)).catch((error: unknown) => { throw loader.explain(error); });
    const engine = new Engine(backend, loader, bundle, fusion.params, fusion.config, vendor, o);
    try {
      // Only what the page uses downloads now (a text-only widget fetches no face or voice model, and a face-only
      // one no onnxruntime); a modality switched on later loads on its first turn.
      const enabled = MODALITY_NAMES.filter((m) => o.modalities?.[m] ?? true);
      await Promise.all(enabled.map((m) => engine.encoder(m)));
      await engine.warmUp(enabled);
    } catch (error) {
      await engine.dispose().catch(() => undefined);
      throw error;
    }
    o.onProgress?.({ status: 'ready', file: '', loaded: 1, total: 1 });
    return engine;
  }

  private ensureOnnxRuntime(): Promise<void> {
    this.onnxRuntime ??= this.vendor.fetchVerified(`ort/${ORT_WASM_FILE}`).then((wasmBinary) => {
      configureTransformers({ localModelPath: this.o.modelsBaseUrl, wasmPaths: `${this.o.vendorBaseUrl}ort/`, fetch: this.loader.verifiedFetch, wasmBinary });
    }).catch((error: unknown) => { this.onnxRuntime = undefined; throw error; });
    return this.onnxRuntime;
  }

  /** The encoder of modality `m`, loaded on the first call (a failed load is tried again on the next). */
  private encoder<M extends ModalityName>(m: M): Promise<Encoders[M]> {
    const slot = this.encoders as Record<ModalityName, Promise<Encoders[ModalityName]> | undefined>;
    slot[m] ??= this.loadEncoder(m).catch((error: unknown) => { slot[m] = undefined; throw this.loader.explain(error); });
    return slot[m] as Promise<Encoders[M]>;
  }

  private async loadEncoder(m: ModalityName): Promise<Encoders[ModalityName]> {
    const { bundle, loader } = this;
    const encoder = m === 'text'
      ? await this.ensureOnnxRuntime().then(() => TextEmotionEncoder.load({ model: this.o.textModel, head: loader.layersModelHandler(bundle.head) }))
      : m === 'audio' ? await AudioEncoder.load(loader.layersModelHandler(bundle.audio)) : await FaceEncoder.load(loader.layersModelHandler(bundle.face));
    // The fusion reads what these encoders give: a mismatch is a wrong bundle, said now rather than as NaN later.
    const index = MODALITY_NAMES.indexOf(m), want = this.fusionConfig.inputDims[index];
    const given = encoder instanceof TextEmotionEncoder ? encoder.embeddingSize : encoder instanceof AudioEncoder ? encoder.dim : encoder.embeddingSize;
    if (given !== want) {
      await Promise.resolve(encoder.dispose());
      throw new Error(`The fusion reads ${want}-d ${m} embeddings, but the ${m} model of this bundle gives ${given}-d (check bundles.json)`);
    }
    return encoder;
  }

  /**
   * Runs the loaded models once on dummy input, so shader compilation (WebGPU/WebGL) and WASM instantiation happen
   * at load time rather than inside the first live turn.
   */
  private async warmUp(modalities: readonly ModalityName[]): Promise<void> {
    const has = (m: ModalityName) => modalities.includes(m);
    const [t, a, f] = await Promise.all([
      has('text') ? this.embedText('hello') : undefined,
      has('audio') ? this.embedAudio(new Float32Array(16000)) : undefined,
      has('face') ? this.embedFaces([new Float32Array(48 * 48).fill(0.5)]).then((r) => r[0]) : undefined,
    ]);
    await this.fuseDialogue([{ text: t?.embedding, audio: a?.embedding, face: f?.embedding, quality: { audio: a?.quality, face: f?.quality }, speakerSlot: 0 }]);
    this.voices.clear(); // the dummy clip is nobody's voice
  }

  /**
   * Text branch of one turn, in the encoder's input form (TextEmotionEncoder.formatTurn; with dialogue context for
   * EmoLens's own encoders): `context` defaults to the transcripts of this engine's conversation so far; pass [] for none.
   */
  async embedText(text: string, options: { speaker?: string; context?: readonly PastTurn[] } = {}): Promise<ModalityEmbedding> {
    const trimmed = checkText(text);
    const started = performance.now();
    const context = options.context ?? this.conversation.results.filter((r) => r.transcript).map((r) => ({ speaker: r.speaker, text: r.transcript! }));
    const encoder = await this.encoder('text');
    const [r] = await encoder.classify([encoder.formatTurn(options.speaker, trimmed, context)]);
    return { ...r, ms: performance.now() - started };
  }

  /** Each speaker's voice averages this conversation (used only by an encoder trained on normalised inputs). */
  private readonly voices = new Map<string, SpeakerNormalizer>();

  /**
   * Audio branch of one turn. `speaker` names whose voice it is: an encoder trained on speaker-normalised inputs
   * moves it by that speaker's averages over the conversation so far (this turn included).
   */
  async embedAudio(pcm16k: Float32Array, options: { speaker?: string } = {}): Promise<ModalityEmbedding> {
    checkAudio({ pcm: pcm16k, sampleRate: 16000 }, 'pcm16k');
    const started = performance.now();
    const audio = await this.encoder('audio');
    const r = await audio.embed(extractAudioFeatures(pcm16k), this.voiceOf(audio, options.speaker ?? ''));
    return { ...r, ms: performance.now() - started };
  }

  private voiceOf(audio: AudioEncoder, speaker: string): SpeakerNormalizer | undefined {
    let voice = this.voices.get(speaker);
    if (!voice) {
      voice = audio.normalizer();
      if (!voice) return undefined;
      // A conversation has a few speakers; a caller inventing a name per turn must not make this grow without end.
      if (this.voices.size >= 64) this.voices.delete(this.voices.keys().next().value!);
      this.voices.set(speaker, voice);
    }
    return voice;
  }

  async embedFaces(crops: Float32Array[]): Promise<ModalityEmbedding[]> {
    if (!crops.length) return [];
    const started = performance.now();
    const rs = await (await this.encoder('face')).embed(crops);
    const ms = (performance.now() - started) / crops.length;
    return rs.map((r) => ({ ...r, ms }));
  }

  addTurn(turn: TurnEmbeddings): Promise<TurnResult> {
    return this.conversation.addTurn(turn);
  }

  async fuseTurn(inputs: TurnInputs): Promise<{ result: TurnResult; turn: TurnEmbeddings }> {
    const { speaker } = inputs;
    const [text, audio, faces] = await Promise.all([
      inputs.text ? this.embedText(inputs.text, { speaker }) : undefined,
      inputs.pcm16k ? this.embedAudio(inputs.pcm16k, { speaker }) : undefined,
      inputs.faceCrops?.length ? this.embedFaces(inputs.faceCrops) : undefined,
    ]);
    const crops = faces ? meanFace(faces) : {};
    const faceQuality = inputs.face ? inputs.faceQuality : crops.quality;
    const turn: TurnEmbeddings = {
      speaker, transcript: inputs.text, text: text?.embedding, audio: audio?.embedding, face: inputs.face ?? crops.embedding,
      quality: { audio: audio?.quality, face: faceQuality },
      startMs: inputs.startMs, endMs: inputs.endMs, timings: { textMs: text?.ms, audioMs: audio?.ms, faceMs: inputs.faceMs ?? crops.ms },
    };
    const result = await this.addTurn(turn);
    // Copies: the conversation keeps these arrays, and a Worker's reply moves (transfers) what it returns.
    return { result, turn: { ...turn, text: turn.text?.slice(), audio: turn.audio?.slice(), face: turn.face?.slice(), quality: { audio: turn.quality?.audio?.slice(), face: turn.quality?.face?.slice() } } };
  }

  private silero?: Promise<SileroVad>;
  /** Each audio stream's recurrent state, by the caller's stream id (a few sessions at most). */
  private readonly vadStreams = new Map<string, SileroStream>();

  /**
   * Silero voice-activity probabilities of the next `frames` (a whole number of 512-sample frames, 16 kHz) of audio
   * stream `stream`; `null` forgets the stream. The model (2.3 MB, checked against the vendor manifest) loads on the
   * first call; a failed load is retried on the next.
   */
  async voiceActivity(stream: string, frames: Float32Array | null): Promise<number[]> {
    if (frames === null) { this.vadStreams.delete(stream); return []; }
    this.silero ??= Promise.all([this.vendor.fetchVerified(SILERO_MODEL_FILE), this.ensureOnnxRuntime()])
      .then(([bytes]) => SileroVad.load(ort as unknown as OrtRuntime, new Uint8Array(bytes), { executionProviders: ['wasm'] }))
      .catch((error: unknown) => { this.silero = undefined; throw error; });
    const model = await this.silero;
    let state = this.vadStreams.get(stream);
    if (!state) {
      // A stream that was never closed (its page went away) must not pile up.
      if (this.vadStreams.size >= 16) this.vadStreams.delete(this.vadStreams.keys().next().value!);
      state = model.stream();
      this.vadStreams.set(stream, state);
    }
    return state.probabilities(frames);
  }

  /** Goes on with a conversation another engine held (a restarted Worker gets the page's copy). */
  restoreConversation(state: ConversationState): void { this.conversation.restore(state); }

  /** Fused probabilities for every turn of one dialogue given as embeddings (tests and benchmarks). */
  async fuseDialogue(turns: TurnFeatures[]): Promise<number[][]> {
    const input = makeFusionInput([turns], this.fusionConfig);
    const probs = tf.tidy(() => tf.softmax(fusionForward(this.fusionParams, input, this.fusionConfig).fusedLogits).squeeze([0]));
    const values = (await probs.array()) as number[][];
    probs.dispose(); disposeFusionInput(input);
    return values;
  }

  /** A new conversation: no turn, and no speaker's voice heard yet. */
  resetConversation(): void {
    this.conversation.clear();
    this.voices.clear();
  }

  /** Frees every model (the text encoder's ONNX session is released asynchronously: awaited). */
  async dispose(): Promise<void> {
    this.vadStreams.clear();
    const silero = this.silero, encoders = Object.values(this.encoders) as Promise<{ dispose(): void | Promise<void> }>[];
    this.silero = undefined;
    for (const m of MODALITY_NAMES) delete this.encoders[m];
    await Promise.all([...encoders.map((e) => e.then((x) => x.dispose(), () => undefined)), silero?.then((m) => m.dispose(), () => undefined)]);
    disposeParams(this.fusionParams);
    this.resetConversation();
  }
}
