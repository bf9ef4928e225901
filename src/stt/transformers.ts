/**
 * On-device speech-to-text with a Transformers.js `automatic-speech-recognition` model (Whisper, Moonshine,
 * wav2vec2, ...), given by Hub id or by a folder name under the configured `localModelPath`. Audio never leaves
 * the device (with remote models off, the default, nor does anything else).
 *
 * Not run against real ASR weights on the EmoLens build machines (none can be downloaded there): the wiring is
 * tested with a stand-in pipeline (test/unit/stt.test.ts).
 */
import type { ProgressCallback } from '@huggingface/transformers';
import type { TransformersConfig } from '../text/env.ts';
import { checkTurnAudio, SpeechToTextError, STT_SAMPLE_RATE, type SpeechToText, type TurnAudio } from './speech-to-text.ts';

export const ASR_TASK = 'automatic-speech-recognition';

/** Options the pipeline is created with (the subset of Transformers.js's PretrainedModelOptions EmoLens uses). */
export interface AsrPipelineOptions {
  progress_callback?: ProgressCallback;
  device?: string;
  dtype?: string | Record<string, string>;
}

/** Per-call options (Transformers.js AutomaticSpeechRecognitionConfig subset). */
export interface AsrCallOptions {
  language?: string;
  task?: 'transcribe' | 'translate';
  chunk_length_s?: number;
  stride_length_s?: number;
}

/** What EmoLens needs of a Transformers.js ASR pipeline; a stand-in (tests, custom runtimes) can provide just this. */
export interface AsrPipeline {
  (audio: Float32Array, options?: AsrCallOptions): Promise<{ text: string } | { text: string }[]>;
  dispose?: () => Promise<unknown> | unknown;
  /** Read, where present, to check the model expects 16 kHz (a Float32Array is never resampled by the pipeline). */
  processor?: { feature_extractor?: { config?: { sampling_rate?: number } } };
}

export type AsrPipelineFactory = (task: typeof ASR_TASK, model: string, options: AsrPipelineOptions) => Promise<AsrPipeline>;

export interface TransformersSpeechToTextOptions extends TransformersConfig {
  /** Transformers.js model id (e.g. 'onnx-community/whisper-tiny.en') or a folder name under `localModelPath`. */
  model: string;
  /** Creates the pipeline; default Transformers.js `pipeline()` (after configuring Transformers.js, see text/env.ts). */
  pipelineFactory?: AsrPipelineFactory;
  /** Spoken language for multilingual Whisper models (e.g. 'english', 'french'); leave unset for English-only
   * models (they reject it) and for auto-detection. */
  language?: string;
  /** Whisper only: 'translate' gives English text from any language. Default: the model's ('transcribe'). */
  task?: 'transcribe' | 'translate';
  /** onnxruntime device ('wasm' | 'webgpu' | 'cpu'...) and weights precision; Transformers.js defaults when unset. */
  device?: string;
  dtype?: string | Record<string, string>;
  progressCallback?: ProgressCallback;
  /** Below this duration (s) a turn is not transcribed. Default 0.2. */
  minDurationS?: number;
  /** Below this RMS a turn is taken as silence and not transcribed (Whisper invents text for silence). Default 1e-4. */
  minRms?: number;
}

const ID = 'transformers';
// Whisper's window: longer audio must be chunked (other model types ignore these options).
const WINDOW_S = 30;

/** Whisper marks non-speech as a bracketed tag alone ('[BLANK_AUDIO]', '(silence)', '[Music]'): no transcript. */
function isNonSpeechTag(text: string): boolean {
  return /^(\[[^\]]*\]|\([^)]*\))$/.test(text);
}

function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return x.length ? Math.sqrt(s / x.length) : 0;
}

async function defaultFactory(options: TransformersSpeechToTextOptions): Promise<AsrPipelineFactory> {
  // Imported lazily: pages that never pick this adapter do not load Transformers.js for it.
  const [{ pipeline }, env] = await Promise.all([import('@huggingface/transformers'), import('../text/env.ts')]);
  const { localModelPath, allowRemoteModels, wasmPaths, remoteHost, fetch } = options;
  if ([localModelPath, allowRemoteModels, wasmPaths, remoteHost, fetch].some((v) => v !== undefined)) {
    env.configureTransformers({ localModelPath, allowRemoteModels, wasmPaths, remoteHost, fetch });
  } else {
    env.ensureTransformersConfigured();
  }
  // Cast: pipeline()'s overloads are too deep for the type checker with a non-literal options object.
  return async (task, model, pipeOptions) =>
    (await (pipeline as (task: string, model: string, o: unknown) => Promise<unknown>)(task, model, pipeOptions)) as AsrPipeline;
}

export class TransformersSpeechToText implements SpeechToText {
  readonly id = ID;
  readonly label: string;
  readonly onDevice = true;
  /** Transcriptions run one at a time: an ONNX session does not take concurrent runs. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(private pipe: AsrPipeline | undefined, readonly model: string, private readonly options: TransformersSpeechToTextOptions) {
    this.label = `Transformers.js speech recognition, on-device (${model})`;
  }

  static async load(options: TransformersSpeechToTextOptions): Promise<TransformersSpeechToText> {
    const { model } = options;
    if (!model) throw new SpeechToTextError('load-failed', 'Transformers.js speech-to-text: no model given (a model id or a local folder name).', { adapter: ID });
    const pipeOptions: AsrPipelineOptions = {};
    if (options.progressCallback) pipeOptions.progress_callback = options.progressCallback;
    if (options.device) pipeOptions.device = options.device;
    if (options.dtype) pipeOptions.dtype = options.dtype;
    let pipe: AsrPipeline;
    try {
      const factory = options.pipelineFactory ?? (await defaultFactory(options));
      pipe = await factory(ASR_TASK, model, pipeOptions);
    } catch (error) {
      throw new SpeechToTextError('load-failed',
        `Transformers.js speech-to-text: could not load model "${model}": ${(error as Error)?.message ?? String(error)}`, { adapter: ID, cause: error });
    }
    const rate = pipe.processor?.feature_extractor?.config?.sampling_rate;
    if (rate !== undefined && rate !== STT_SAMPLE_RATE) {
      await pipe.dispose?.();
      throw new SpeechToTextError('load-failed',
        `Transformers.js speech-to-text: model "${model}" expects ${rate} Hz audio; EmoLens turns are ${STT_SAMPLE_RATE} Hz.`, { adapter: ID });
    }
    return new TransformersSpeechToText(pipe, model, options);
  }

  async start(_stream?: MediaStream): Promise<void> {}

  async transcribe(turn: TurnAudio): Promise<string | undefined> {
    if (this.disposed) throw this.disposedError();
    checkTurnAudio(turn, `Transformers.js speech-to-text (${this.model})`);
    const pcm = turn.pcm16k;
    if (pcm.length < (this.options.minDurationS ?? 0.2) * STT_SAMPLE_RATE || rms(pcm) < (this.options.minRms ?? 1e-4)) return undefined;
    const run = this.queue.then(() => this.run(pcm));
    this.queue = run.catch(() => undefined);
    return run;
  }

  stop(): void {}

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    const pipe = this.pipe;
    this.pipe = undefined;
    await pipe?.dispose?.();
  }

  private async run(pcm: Float32Array): Promise<string | undefined> {
    const pipe = this.pipe;
    if (!pipe) throw this.disposedError(); // turns queued before dispose() still run: it waits for them
    const callOptions: AsrCallOptions = {};
    if (this.options.language) callOptions.language = this.options.language;
    if (this.options.task) callOptions.task = this.options.task;
    if (pcm.length > WINDOW_S * STT_SAMPLE_RATE) { callOptions.chunk_length_s = WINDOW_S; callOptions.stride_length_s = 5; }
    let output: { text: string } | { text: string }[];
    try {
      output = await pipe(pcm, callOptions);
    } catch (error) {
      throw new SpeechToTextError('transcribe-failed',
        `Transformers.js speech-to-text: model "${this.model}" failed to transcribe: ${(error as Error)?.message ?? String(error)}`, { adapter: ID, cause: error });
    }
    const text = (Array.isArray(output) ? output[0]?.text : output?.text)?.trim() ?? '';
    return text && !isNonSpeechTag(text) ? text : undefined;
  }

  private disposedError(): SpeechToTextError {
    return new SpeechToTextError('disposed', `Transformers.js speech-to-text (${this.model}) was disposed.`, { adapter: ID });
  }
}
