/**
 * Named recording conditions for evaluation (`npm run eval -- audio --degrade room`): fixed settings of the same
 * transforms training draws at random (acoustics.ts, codec.ts), seeded per clip so a run is repeatable. Each name
 * says what it stands for; `none` is the clip as recorded.
 */
import { addNoise, applyGain, mulberry32 } from './augment.ts';
import { addAtSnr, agc, babble, bandLimit, clip, inRoom } from './acoustics.ts';
import { codecPass } from './codec.ts';

export interface Degradation {
  about: string;
  apply: (pcm: Float32Array, seed: number, context: { babblePool?: readonly Float32Array[] }) => Promise<Float32Array>;
}

export const DEGRADATIONS: Record<string, Degradation> = {
  none: { about: 'the clip as recorded', apply: async (pcm) => pcm },
  noise10: { about: 'pink noise at 10 dB SNR', apply: async (pcm, seed) => clip(addNoise(pcm, 10, 'pink', mulberry32(seed))) },
  noise0: { about: 'pink noise at 0 dB SNR', apply: async (pcm, seed) => clip(addNoise(pcm, 0, 'pink', mulberry32(seed))) },
  room: {
    about: 'a laptop microphone in a room: reverb RT60 0.5 s (DRR 0 dB), 300–3400 Hz band, pink noise at 20 dB SNR, −12 dB gain',
    apply: async (pcm, seed) => {
      const rng = mulberry32(seed);
      const wet = inRoom(pcm, { rt60: 0.5, drrDb: 0 }, rng);
      return clip(applyGain(addNoise(bandLimit(wet, 300, 3400), 20, 'pink', rng), -12));
    },
  },
  far: {
    about: 'across a reverberant room: RT60 0.9 s, DRR −3 dB, pink noise at 15 dB SNR, then AGC',
    apply: async (pcm, seed) => {
      const rng = mulberry32(seed);
      return clip(agc(addNoise(inRoom(pcm, { rt60: 0.9, drrDb: -3 }, rng), 15, 'pink', rng)));
    },
  },
  babble10: {
    about: 'four other talkers at 10 dB SNR (a café)',
    apply: async (pcm, seed, { babblePool }) => {
      if (!babblePool?.length) throw new Error('degrade babble10: no babble pool (other speakers\' clips) was given');
      const rng = mulberry32(seed);
      return clip(addAtSnr(pcm, babble(babblePool, pcm.length, 4, rng), 10));
    },
  },
  call: {
    about: 'a video call: 100–7000 Hz, AGC, Opus at 12 kbit/s',
    apply: async (pcm) => codecPass(clip(agc(bandLimit(pcm, 100, 7000))), 'opus', 12),
  },
};

export function degradation(name: string): Degradation {
  const d = Object.hasOwn(DEGRADATIONS, name) ? DEGRADATIONS[name] : undefined;
  if (!d) throw new Error(`unknown --degrade "${name}": one of ${Object.keys(DEGRADATIONS).join(', ')}`);
  return d;
}
