/**
 * The shapes EmoLens hands out and takes in per turn (no model code here, so the library's types and the page's
 * thread need neither tfjs nor Transformers.js).
 */
import type { Label, Modality } from '../labels.ts';

export type Probabilities = Record<Label, number>;

/** One fused turn. */
export interface TurnResult {
  /** 0-based index of the turn in the conversation. */
  index: number;
  speaker: string;
  transcript?: string;
  label: Label;
  confidence: number;
  probabilities: Probabilities;
  /** Valence and arousal in [-1, 1] from the fusion's regression head. */
  valence: number;
  arousal: number;
  /** Per-modality probabilities (from the fusion's modality heads), for the modalities present. */
  modalities: Partial<Record<Modality, Probabilities>>;
  /** Modality gate weights (0 for modalities absent from the turn). */
  gate: Record<Modality, number>;
  /** Start and end of the turn, ms on the page's performance clock. */
  startMs: number;
  endMs: number;
  timings: { fusionMs: number } & Partial<Record<'textMs' | 'audioMs' | 'faceMs', number>>;
}

/** A turn's inputs as encoder embeddings (absent modalities left out). */
export interface TurnEmbeddings {
  speaker: string;
  transcript?: string;
  text?: Float32Array;
  audio?: Float32Array;
  face?: Float32Array;
  /** How good the turn's recording and face crops were (the encoders' `quality`; a face's is the mean over its frames). */
  quality?: TurnQuality;
  startMs: number;
  endMs: number;
  timings?: Partial<Record<'textMs' | 'audioMs' | 'faceMs', number>>;
}

/** A turn said before the one being classified (same dialogue). */
export interface PastTurn {
  speaker?: string;
  text: string;
}

/**
 * One encoder's output: the embedding the fusion reads, the encoder's own probabilities, its time and, for audio and
 * faces, how good the recording is (`recordingQuality`, `cropQuality`: the fusion's gate reads it).
 */
export interface ModalityEmbedding { embedding: Float32Array; probs: Float32Array; ms: number; quality?: Float32Array }

/** How good each recording of a turn is (absent: unknown, which the fusion reads as a typical recording). */
export interface TurnQuality { audio?: Float32Array; face?: Float32Array }

/**
 * One turn's raw inputs, for `TurnEngine.fuseTurn`: the words, 16 kHz mono PCM, and the face as a mean embedding
 * (what a live session has gathered frame by frame) or as 48×48 crops (what the caller's frames gave).
 */
export interface TurnInputs {
  speaker: string;
  text?: string;
  pcm16k?: Float32Array;
  face?: Float32Array;
  /** The mean `quality` of the frames `face` was averaged over. */
  faceQuality?: Float32Array;
  faceCrops?: Float32Array[];
  startMs: number;
  endMs: number;
  /** The face encoder's time when `face` was embedded earlier. */
  faceMs?: number;
}

/** What a live session needs from the models: an Engine in this thread, or a RemoteEngine in a Worker. */
export interface TurnEngine {
  embedText(text: string, options?: { speaker?: string; context?: readonly PastTurn[] }): Promise<ModalityEmbedding>;
  /** `speaker`: whose voice (an encoder trained on speaker-normalised inputs moves it by that speaker's averages). */
  embedAudio(pcm16k: Float32Array, options?: { speaker?: string }): Promise<ModalityEmbedding>;
  embedFaces(crops: Float32Array[]): Promise<ModalityEmbedding[]>;
  addTurn(turn: TurnEmbeddings): Promise<TurnResult>;
  /**
   * Embeds a turn's inputs and fuses them with the conversation, in one call (one round trip to a Worker). Also
   * returns the turn as embeddings (copies), which is what the conversation keeps.
   */
  fuseTurn(inputs: TurnInputs): Promise<{ result: TurnResult; turn: TurnEmbeddings }>;
  /**
   * Silero voice-activity probabilities of an audio stream's next 512-sample frames (null forgets the stream).
   * Absent: sessions segment turns with the energy VAD.
   */
  voiceActivity?(stream: string, frames: Float32Array | null): Promise<number[]>;
}
