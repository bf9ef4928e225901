/**
 * e2e/audio-parity.spec.ts's page (Vite dev server only): plays a clip the test hands over through a
 * MediaStreamAudioDestinationNode into the REAL microphone path (`startMicrophone`: AudioWorklet + shared
 * `Resampler`), collects the 16 kHz chunks, and computes features with the same `extractAudioFeatures` as Node.
 */
import { startMicrophone } from '../../src/audio/microphone.ts';
import { SpeakerNormalizer, encoderInput, extractAudioFeatures, type SpeakerReference } from '../../src/audio/features.ts';

export interface CaptureResult { pcm16k: number[]; captureRate: number; playRate: number }

async function captureThroughWorklet(samples: number[], sampleRate: number): Promise<CaptureResult> {
  const play = new AudioContext({ sampleRate });
  const dest = play.createMediaStreamDestination();
  const chunks: Float32Array[] = [];
  const mic = await startMicrophone(dest.stream, (c) => chunks.push(c.slice()));
  const buffer = play.createBuffer(1, samples.length, sampleRate);
  buffer.getChannelData(0).set(Float32Array.from(samples));
  const source = play.createBufferSource();
  source.buffer = buffer;
  source.connect(dest);
  if (play.state === 'suspended') await play.resume();
  const ended = new Promise<void>((resolve) => { source.onended = () => resolve(); });
  source.start(play.currentTime + 0.1);
  await ended;
  await new Promise((r) => setTimeout(r, 300)); // let the stream drain into the worklet
  await mic.stop();
  await play.close();
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const pcm = new Float32Array(total);
  let o = 0;
  for (const c of chunks) { pcm.set(c, o); o += c.length; }
  return { pcm16k: Array.from(pcm), captureRate: mic.sampleRate, playRate: play.sampleRate };
}

(window as unknown as { audioParity: unknown }).audioParity = {
  async defaultRate(): Promise<number> { const c = new AudioContext(); const r = c.sampleRate; await c.close(); return r; },
  capture: captureThroughWorklet,
  /** The page's own feature extraction (the same module the demo bundles). */
  features(pcm16k: number[]) {
    const f = extractAudioFeatures(Float32Array.from(pcm16k));
    return { mel: Array.from(f.mel.data), prosody: Array.from(f.prosody), prosodyStats: Array.from(f.prosodyStats), frames: f.frames };
  },
  /** One speaker's turns in order, each observed then normalised (the live rule), by the page's bundle of the module. */
  normalized(clips: number[][], reference: SpeakerReference) {
    const speaker = new SpeakerNormalizer(reference);
    return clips.map((pcm) => {
      const input = encoderInput(extractAudioFeatures(Float32Array.from(pcm)));
      speaker.observe(input);
      const out = speaker.apply(input);
      return { mel: Array.from(out.mel), prosodyStats: Array.from(out.prosodyStats) };
    });
  },
};
document.body.dataset.ready = 'true';
