/**
 * A made test for voice-activity detection: real speech clips between stretches of music, typing and silence, at
 * known sample positions, and the turn precision/recall of a segmenter's turns against them.
 *
 *   music: a synthesised piano-like melody (harmonic tones with decaying envelopes) over a bass line and a kick drum;
 *   typing: 4–10 key clicks a second (3–8 ms decaying noise bursts, each filtered to its own brightness);
 *   silence: a −65 dBFS noise floor; speech: the clips given, at their own level.
 * Seeded: the same clips and seed give the same scene.
 */
import { mulberry32, type Rng } from '../train/augment.ts';

const RATE = 16000;

export interface Segment { kind: 'speech' | 'music' | 'typing' | 'silence' | 'speech+music'; start: number; end: number }
export interface Scene { pcm: Float32Array; segments: Segment[] }

export function music(seconds: number, rng: Rng, level = 0.12): Float32Array {
  const n = Math.round(seconds * RATE), out = new Float32Array(n);
  const scale = [261.6, 293.7, 329.6, 392.0, 440.0, 523.3];
  const beat = Math.round(0.25 * RATE);
  for (let start = 0; start < n; start += beat) {
    const f = scale[Math.floor(rng() * scale.length)] * (rng() < 0.3 ? 2 : 1);
    const bass = scale[Math.floor(rng() * 3)] / 4;
    for (let i = 0; i < 2 * beat && start + i < n; i++) {
      const t = i / RATE, env = Math.exp(-4 * t);
      let v = 0;
      for (let h = 1; h <= 5; h++) v += Math.sin(2 * Math.PI * f * h * t) / (h * h);
      out[start + i] += level * env * v + 0.6 * level * Math.exp(-2 * t) * Math.sin(2 * Math.PI * bass * t);
    }
    if ((start / beat) % 2 === 0) for (let i = 0; i < 0.08 * RATE && start + i < n; i++) out[start + i] += level * 1.5 * Math.exp(-40 * i / RATE) * Math.sin(2 * Math.PI * 60 * i / RATE);
  }
  return out;
}

export function typing(seconds: number, rng: Rng, level = 0.25): Float32Array {
  const n = Math.round(seconds * RATE), out = new Float32Array(n);
  for (let at = Math.round(0.05 * RATE); at < n; at += Math.round((0.1 + 0.15 * rng()) * RATE)) {
    const len = Math.round((0.003 + 0.005 * rng()) * RATE), bright = 0.3 + 0.6 * rng();
    let lp = 0;
    for (let i = 0; i < len && at + i < n; i++) {
      lp = bright * (rng() * 2 - 1) + (1 - bright) * lp;
      out[at + i] += level * Math.exp(-i / (0.25 * len)) * lp;
    }
  }
  return out;
}

export function silence(seconds: number, rng: Rng): Float32Array {
  const amp = 10 ** (-65 / 20) * Math.sqrt(3);
  return Float32Array.from({ length: Math.round(seconds * RATE) }, () => amp * (rng() * 2 - 1));
}

/**
 * silence · speech · music · speech · typing · silence · speech over music (music 12 dB under the voice) · music ·
 * typing · speech · silence, with the speech clips taken in turn from `speech` (16 kHz mono).
 */
export function makeScene(speech: readonly Float32Array[], seed = 1): Scene {
  if (speech.length < 3) throw new Error('makeScene: needs at least 3 speech clips');
  const rng = mulberry32(seed);
  const parts: { kind: Segment['kind']; pcm: Float32Array }[] = [];
  let k = 0;
  const say = () => speech[k++ % speech.length];
  const over = (voice: Float32Array) => {
    const bed = music(voice.length / RATE, rng);
    const v = rms(voice), b = rms(bed), g = v / b / 10 ** (12 / 20);
    return voice.map((x, i) => x + g * bed[i]);
  };
  parts.push({ kind: 'silence', pcm: silence(1, rng) }, { kind: 'speech', pcm: say() }, { kind: 'music', pcm: music(4, rng) },
    { kind: 'speech', pcm: say() }, { kind: 'typing', pcm: typing(4, rng) }, { kind: 'silence', pcm: silence(1.5, rng) },
    { kind: 'speech+music', pcm: over(say()) }, { kind: 'music', pcm: music(3, rng) }, { kind: 'typing', pcm: typing(3, rng) },
    { kind: 'speech', pcm: say() }, { kind: 'silence', pcm: silence(1.5, rng) });
  const total = parts.reduce((a, p) => a + p.pcm.length, 0);
  const pcm = new Float32Array(total), segments: Segment[] = [];
  let at = 0;
  for (const p of parts) { pcm.set(p.pcm, at); segments.push({ kind: p.kind, start: at, end: at + p.pcm.length }); at += p.pcm.length; }
  return { pcm, segments };
}

/** The voiced part of a clip: from the first to the last 20 ms frame within 35 dB of the loudest frame. */
export function trimSilence(pcm: Float32Array): Float32Array {
  const F = 320, energies: number[] = [];
  for (let i = 0; i + F <= pcm.length; i += F) energies.push(rms(pcm.subarray(i, i + F)));
  const peak = Math.max(...energies), floor = peak * 10 ** (-35 / 20);
  const first = energies.findIndex((e) => e >= floor), last = energies.length - 1 - [...energies].reverse().findIndex((e) => e >= floor);
  return pcm.slice(first * F, (last + 1) * F);
}

function rms(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

const overlap = (a: { start: number; end: number }, b: { start: number; end: number }): number => Math.max(0, Math.min(a.end, b.end) - Math.max(a.start, b.start));

export interface TurnScore {
  turns: number; precision: number; recall: number;
  /** Turns that lie mostly over music, typing or silence (less than half of them over speech). */
  falseTurns: { start: number; end: number; over: string }[];
}

/**
 * A turn is right when at least half of it lies over speech; a speech segment is found when turns cover at least
 * half of it. Precision = right turns / turns; recall = found segments / speech segments.
 */
export function scoreTurns(turns: readonly { startSample: number; endSample: number }[], segments: readonly Segment[]): TurnScore {
  const speech = segments.filter((s) => s.kind.startsWith('speech'));
  const falseTurns: TurnScore['falseTurns'] = [];
  let right = 0;
  for (const t of turns) {
    const span = { start: t.startSample, end: t.endSample };
    const onSpeech = speech.reduce((a, s) => a + overlap(span, s), 0);
    if (onSpeech >= 0.5 * (span.end - span.start)) right++;
    else {
      const most = segments.map((s) => ({ s, o: overlap(span, s) })).sort((a, b) => b.o - a.o)[0];
      falseTurns.push({ ...span, over: most?.s.kind ?? '?' });
    }
  }
  const found = speech.filter((s) => turns.reduce((a, t) => a + overlap({ start: t.startSample, end: t.endSample }, s), 0) >= 0.5 * (s.end - s.start)).length;
  return { turns: turns.length, precision: turns.length ? right / turns.length : 0, recall: speech.length ? found / speech.length : 0, falseTurns };
}
