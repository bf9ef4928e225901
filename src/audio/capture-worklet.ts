/**
 * AudioWorklet processor 'emolens-capture': downmixes the microphone input to mono, resamples it to 16 kHz with the
 * shared `Resampler` (src/audio/features.ts, the same code the tests check), and posts Float32Array chunks of
 * `chunkMs` (default 20 ms = 320 samples) to the main thread, transferring their buffers.
 * Message in: 'flush' → posts the resampler tail, then { type: 'flushed' }.
 *
 * Loaded by microphone.ts through Vite: `import url from './capture-worklet.ts?worker&url'`, then
 * `audioContext.audioWorklet.addModule(url)` (Vite bundles the import of features.ts into the module).
 */
import { AUDIO_FEATURES, Resampler } from './features.ts';

// The AudioWorkletGlobalScope is not in TypeScript's DOM types: declare what this file uses.
declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
  constructor(options?: unknown);
}
declare function registerProcessor(name: string, ctor: new (options: { processorOptions?: CaptureOptions }) => AudioWorkletProcessor): void;

export interface CaptureOptions { chunkMs?: number }

class CaptureProcessor extends AudioWorkletProcessor {
  private readonly resampler: Resampler;
  private readonly chunk: number;
  private pending: Float32Array;
  private filled = 0;

  constructor(options: { processorOptions?: CaptureOptions }) {
    super();
    this.resampler = new Resampler(sampleRate, AUDIO_FEATURES.sampleRate);
    this.chunk = Math.max(1, Math.round(((options.processorOptions?.chunkMs ?? 20) * AUDIO_FEATURES.sampleRate) / 1000));
    this.pending = new Float32Array(this.chunk);
    this.port.onmessage = (event: MessageEvent) => {
      if (event.data !== 'flush') return;
      this.append(this.resampler.flush());
      if (this.filled > 0) this.post(this.pending.slice(0, this.filled));
      this.filled = 0;
      this.resampler.reset();
      this.port.postMessage({ type: 'flushed' });
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const channels = inputs[0];
    if (channels && channels.length > 0 && channels[0].length > 0) {
      const n = channels[0].length;
      const mono = new Float32Array(n);
      for (const ch of channels) for (let i = 0; i < n; i++) mono[i] += ch[i];
      if (channels.length > 1) for (let i = 0; i < n; i++) mono[i] /= channels.length;
      this.append(this.resampler.process(mono));
    }
    return true; // keep running until the node is disconnected
  }

  private append(samples: Float32Array): void {
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.chunk - this.filled, samples.length - offset);
      this.pending.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.chunk) {
        this.post(this.pending);
        this.pending = new Float32Array(this.chunk);
        this.filled = 0;
      }
    }
  }

  private post(chunk: Float32Array): void {
    this.port.postMessage(chunk, [chunk.buffer]);
  }
}

registerProcessor('emolens-capture', CaptureProcessor);
