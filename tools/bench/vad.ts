/**
 * Silero VAD against the energy VAD on made scenes (tools/bench/vad-scene.ts): real speech clips (CREMA-D and RAVDESS
 * dev speakers, trimmed to their voiced part) between music, typing and silence, and a voice over music. Prints turn
 * precision/recall per segmenter and the false turns by what they lie over; writes bench/results/vad.{json,md}.
 *
 *   npx tsx tools/bench/vad.ts [--scenes 5] [--data ../shared/data/audio]
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { TurnSegmenter } from '../../src/audio/vad.ts';
import { SileroTurnSegmenter, SileroVad, type OrtRuntime } from '../../src/audio/silero-vad.ts';
import { decodeAudioFile } from '../data/audio-decode.ts';
import { readSpeechCorpora, speechSplit } from '../data/speech.ts';
import { makeScene, scoreTurns, trimSilence, type TurnScore } from './vad-scene.ts';

export const SILERO_MODEL = 'public/vendor/silero/silero_vad_v5.onnx';

/** Speech clips of dev speakers (never a training speaker), trimmed, two of one speaker joined into one turn. */
export async function sceneSpeech(root: string, count: number): Promise<Float32Array[]> {
  const items = readSpeechCorpora(root, ['crema-d', 'ravdess']).filter((i) => speechSplit(i) === 'dev');
  const out: Float32Array[] = [];
  for (let k = 0; k < count; k++) {
    const a = items[(k * 7919) % items.length], b = items.find((i, j) => j > (k * 7919) % items.length && i.speaker === a.speaker) ?? a;
    const [x, y] = [trimSilence(await decodeAudioFile(a.path)), trimSilence(await decodeAudioFile(b.path))];
    const joined = new Float32Array(x.length + 1600 + y.length);
    joined.set(x); joined.set(y, x.length + 1600); // a 100 ms breath between the two
    out.push(joined);
  }
  return out;
}

export async function runSegmenters(pcm: Float32Array, silero: SileroVad): Promise<{ energy: { startSample: number; endSample: number }[]; silero: { startSample: number; endSample: number }[] }> {
  const energy = new TurnSegmenter(), s = new SileroTurnSegmenter(silero.stream());
  const e: { startSample: number; endSample: number }[] = [], v: { startSample: number; endSample: number }[] = [];
  for (let i = 0; i < pcm.length; i += 1600) {
    const chunk = pcm.subarray(i, i + 1600);
    e.push(...energy.push(chunk));
    v.push(...(await s.push(chunk)));
  }
  e.push(...energy.flush()); v.push(...s.flush());
  return { energy: e, silero: v };
}

if (process.argv[1]?.endsWith('bench/vad.ts')) {
  const { values } = parseArgs({ options: { scenes: { type: 'string', default: '5' }, data: { type: 'string', default: '../shared/data/audio' } } });
  const scenes = Number(values.scenes);
  const speech = await sceneSpeech(values.data!, scenes * 4);
  const vad = await SileroVad.load(ort as unknown as OrtRuntime, readFileSync(SILERO_MODEL));
  const rows: { scene: number; energy: TurnScore; silero: TurnScore }[] = [];
  for (let k = 0; k < scenes; k++) {
    const scene = makeScene(speech.slice(k * 4, k * 4 + 4), k + 1);
    const t0 = performance.now();
    const turns = await runSegmenters(scene.pcm, vad);
    const ms = performance.now() - t0;
    rows.push({ scene: k + 1, energy: scoreTurns(turns.energy, scene.segments), silero: scoreTurns(turns.silero, scene.segments) });
    console.error(`scene ${k + 1}: ${(scene.pcm.length / 16000).toFixed(1)} s audio, both segmenters in ${ms.toFixed(0)} ms`);
  }
  await vad.dispose();
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
  const falseBy = (which: 'energy' | 'silero') => {
    const c: Record<string, number> = {};
    for (const r of rows) for (const t of r[which].falseTurns) c[t.over] = (c[t.over] ?? 0) + 1;
    return Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  };
  const md = [`Voice activity on ${scenes} made scenes (speech of unseen CREMA-D/RAVDESS speakers between music, typing and silence; one voice over music). Command: \`npx tsx tools/bench/vad.ts --scenes ${scenes}\``, '',
    '| segmenter | turns per scene | turn precision | speech recall | false turns over |', '|---|---:|---:|---:|---|',
    `| energy VAD (src/audio/vad.ts) | ${sum((r) => r.energy.turns).toFixed(1)} | ${sum((r) => r.energy.precision).toFixed(3)} | ${sum((r) => r.energy.recall).toFixed(3)} | ${falseBy('energy')} |`,
    `| Silero VAD v5 (src/audio/silero-vad.ts) | ${sum((r) => r.silero.turns).toFixed(1)} | ${sum((r) => r.silero.precision).toFixed(3)} | ${sum((r) => r.silero.recall).toFixed(3)} | ${falseBy('silero')} |`].join('\n');
  console.log(md);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(join('bench/results', 'vad.md'), md + '\n');
  writeFileSync(join('bench/results', 'vad.json'), JSON.stringify(rows, null, 1) + '\n');
}
