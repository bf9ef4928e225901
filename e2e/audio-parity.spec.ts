/**
 * Issue 3: the browser's AudioWorklet path and the Node path give the same features for the same clip.
 *
 * Browser: e2e/pages/audio-parity.html (Vite dev server) plays the clip at the AudioContext's own rate through a
 * MediaStreamAudioDestinationNode into the real `startMicrophone` (AudioWorklet + shared `Resampler` → 16 kHz
 * chunks), then computes `extractAudioFeatures` in the page. Node: the same samples through `resampleTo16k` (the same
 * Resampler, one shot) and `extractAudioFeatures`.
 * Alignment: the stream adds latency (leading silence) of D device-rate samples, usually not a whole number of 16 kHz
 * samples. We find the coarse 16 kHz lag by cross-correlation, then D (± 4 device samples around it) as the delay
 * whose Node rendering — `resampleTo16k(D zeros + clip)` — correlates best with the capture, and compare features of
 * the two over that same span. So both sides see the same delayed clip; any remaining difference is what the browser
 * (MediaStream transport, worklet block streaming vs one-shot resampling, float32 rounding) does to the samples.
 *
 * Tolerances (stated in public/models/audio-encoder/card.md too):
 *   - waveform: correlation ≥ 0.999 after alignment;
 *   - log-mel: over ACTIVE frames (energy within 35 dB of the loudest — quiet frames have log(power) dominated by
 *     round-off and are not what the encoder reads) mean |Δ| ≤ 1e-3, 99th percentile ≤ 0.01, max ≤ 0.05 nats
 *     (natural-log power; 0.05 nats ≈ 0.2 dB). For scale: a residual HALF-sample misalignment alone gives mean 0.004,
 *     p99 0.03, max 0.1, so these bounds fail on a misaligned or altered signal;
 *   - prosody summary: every stat within max(0.01 · |node value|, abs floor) with floors of 0.05 dB / 0.025 st /
 *     0.002 fraction / 5 Hz / 0.001 (flatness, zcr) / 0.005 s, pitch slope 0.15 st/s.
 * Measured on Debian chromium (44.1 kHz device): all differences 0 (the samples arrive bit-identical).
 *   - the page's `extractAudioFeatures` on the same samples equals Node's bit for bit (same code, same engine math).
 */
import { expect, test } from '@playwright/test';
import { AUDIO_FEATURES, PROSODY_STATS_NAMES, SpeakerNormalizer, encoderInput, extractAudioFeatures, resampleTo16k, speakerReference, type SpeakerReference } from '../src/audio/features.ts';
import { decodeAudioFile } from '../tools/data/audio-decode.ts';
import { FAKE_AUDIO } from '../playwright.config.ts';

type PageApi = {
  defaultRate(): Promise<number>;
  capture(samples: number[], rate: number): Promise<{ pcm16k: number[]; captureRate: number; playRate: number }>;
  features(pcm: number[]): { mel: number[]; prosody: number[]; prosodyStats: number[]; frames: number };
  normalized(clips: number[][], reference: SpeakerReference): { mel: number[]; prosodyStats: number[] }[];
};

/** Lag (in samples) of `b` relative to `a` maximising their dot product, searched over 0..maxLag. */
function bestLag(a: Float32Array, b: Float32Array, maxLag: number): number {
  let best = -Infinity, lag = 0;
  for (let l = 0; l <= maxLag && l + a.length <= b.length + a.length / 2; l++) {
    let s = 0;
    const n = Math.min(a.length, b.length - l);
    for (let i = 0; i < n; i += 2) s += a[i] * b[i + l];
    if (s > best) { best = s; lag = l; }
  }
  return lag;
}

function correlation(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

const STAT_FLOOR: Record<string, number> = {
  energyMeanDb: 0.05, energyStdDb: 0.05, energyRangeDb: 0.05, pitchMeanSt: 0.025, pitchStdSt: 0.025, pitchRangeSt: 0.025,
  pitchSlopeStPerS: 0.15, voicedFraction: 0.002, voicingMean: 0.002, centroidMeanHz: 5, centroidStdHz: 5, flatnessMean: 0.001,
  flatnessStd: 0.001, rolloffMeanHz: 5, rolloffStdHz: 5, zcrMean: 0.001, zcrStd: 0.001, energyDeltaDb: 0.05, pitchDeltaSt: 0.025,
  activeSeconds: 0.005,
};

test('AudioWorklet capture and Node give the same features for the same clip', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto('http://127.0.0.1:5173/e2e/pages/audio-parity.html');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  const rate = await page.evaluate(() => ((window as any).audioParity as PageApi).defaultRate());

  // The clip: 3 s of the e2e espeak fixture (speech with a pause), decoded at the page's device rate.
  const full = await decodeAudioFile(FAKE_AUDIO, rate);
  const clip = full.slice(0, 3 * rate);
  // Real-time capture: two AudioContexts on a loaded 2-core machine can drop a render quantum, which shows as a
  // waveform correlation far below 1 (measured 0.78-0.89 on such captures, 1.000000 on clean ones). A dropped
  // quantum is the machine, not the feature code: capture again (at most 3 tries); every check below still applies
  // to the capture that is used.
  let ref: Float32Array = new Float32Array(0), aligned: Float32Array = ref, corr = -Infinity, delay = 0, tries = 0;
  while (tries < 3 && corr < 0.999) {
    tries++;
    const res = await page.evaluate(([s, r]) => ((window as any).audioParity as PageApi).capture(s, r), [Array.from(clip), rate] as const);
    expect(res.captureRate).toBe(rate);
    const captured = Float32Array.from(res.pcm16k);
    const lag = bestLag(resampleTo16k(clip, rate), captured, 16000);
    // Node path: the same Resampler on the whole clip delayed by D device samples; D refined around the coarse lag.
    corr = -Infinity;
    const d0 = Math.round((lag * rate) / 16000);
    for (let d = Math.max(0, d0 - 4); d <= d0 + 4; d++) {
      const delayed = new Float32Array(d + clip.length);
      delayed.set(clip, d);
      const r = resampleTo16k(delayed, rate);
      const a = captured.slice(0, r.length);
      if (a.length < r.length) continue;
      const c = correlation(r, a);
      if (c > corr) { corr = c; ref = r; aligned = a; delay = d; }
    }
    if (corr < 0.999) console.log(`audio parity: capture ${tries} glitched (waveform corr ${corr.toFixed(6)})`);
  }
  expect(aligned.length).toBeGreaterThan(0);

  const node = extractAudioFeatures(ref);
  const browser = await page.evaluate((p) => ((window as any).audioParity as PageApi).features(p), Array.from(aligned));
  // Same samples → same numbers in the page as in Node.
  const nodeOnAligned = extractAudioFeatures(aligned);
  expect(browser.prosodyStats).toEqual(Array.from(nodeOnAligned.prosodyStats));
  expect(browser.mel.length).toBe(nodeOnAligned.mel.data.length);
  let same = 0;
  for (let i = 0; i < browser.mel.length; i++) same = Math.max(same, Math.abs(browser.mel[i] - nodeOnAligned.mel.data[i]));

  // Log-mel over active frames.
  const M = AUDIO_FEATURES.nMels, P = node.prosody.length / node.frames;
  expect(browser.frames).toBe(node.frames);
  let loud = -Infinity;
  for (let t = 0; t < node.frames; t++) loud = Math.max(loud, node.prosody[t * P]);
  const diffs: number[] = [];
  for (let t = 0; t < node.frames; t++) {
    if (node.prosody[t * P] < loud - AUDIO_FEATURES.activeRangeDb) continue;
    for (let m = 0; m < M; m++) diffs.push(Math.abs(browser.mel[t * M + m] - node.mel.data[t * M + m]));
  }
  diffs.sort((a, b) => a - b);
  const meanMel = diffs.reduce((a, b) => a + b, 0) / diffs.length;
  const p99Mel = diffs[Math.floor(0.99 * (diffs.length - 1))], maxMel = diffs[diffs.length - 1];

  const statDiffs = PROSODY_STATS_NAMES.map((name, i) => ({
    name, node: node.prosodyStats[i], browser: browser.prosodyStats[i], diff: Math.abs(browser.prosodyStats[i] - node.prosodyStats[i]),
    tol: Math.max(0.01 * Math.abs(node.prosodyStats[i]), STAT_FLOOR[name]),
  }));
  console.log(`audio parity: device ${rate} Hz, capture ${tries}, latency ${delay} device samples (${(delay / rate * 1000).toFixed(1)} ms), waveform corr ${corr.toFixed(6)}, active frames ${diffs.length / M}/${node.frames}; `
    + `log-mel |Δ| mean ${meanMel.toExponential(2)} p99 ${p99Mel.toExponential(2)} max ${maxMel.toExponential(2)} nats; page-vs-node same samples max |Δ| ${same}`);
  console.log('prosody stats |Δ| (node → browser): ' + statDiffs.map((d) => `${d.name} ${d.diff.toExponential(1)}/${d.tol.toPrecision(2)}`).join(', '));

  expect(same).toBe(0);
  expect(corr).toBeGreaterThanOrEqual(0.999);
  expect(meanMel).toBeLessThanOrEqual(1e-3);
  expect(p99Mel).toBeLessThanOrEqual(0.01);
  expect(maxMel).toBeLessThanOrEqual(0.05);
  for (const d of statDiffs) expect(d.diff, `${d.name}: node ${d.node}, browser ${d.browser}`).toBeLessThanOrEqual(d.tol);
});

test('the page normalises a speaker\'s turns exactly as Node does', async ({ page }) => {
  await page.goto('http://127.0.0.1:5173/e2e/pages/audio-parity.html');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
  // The fake microphone's two sentences as one speaker's turns, 12 dB quieter than the reference they are moved to.
  const pcm = await decodeAudioFile(FAKE_AUDIO);
  const half = Math.floor(pcm.length / 2);
  const clips = [pcm.slice(0, half), pcm.slice(half)].map((c) => c.map((v) => v * 0.25));
  const reference = speakerReference([pcm.slice(0, half), pcm.slice(half)].map((c) => encoderInput(extractAudioFeatures(c))), 200);
  const speaker = new SpeakerNormalizer(reference);
  const node = clips.map((c) => {
    const input = encoderInput(extractAudioFeatures(c));
    speaker.observe(input);
    return speaker.apply(input);
  });
  const browser = await page.evaluate(([c, r]) => ((window as any).audioParity as PageApi).normalized(c, r), [clips.map((c) => Array.from(c)), reference] as const);
  expect(browser.length).toBe(2);
  for (const [k, out] of node.entries()) {
    expect(browser[k].mel, `turn ${k} log-mel`).toEqual(Array.from(out.mel));
    expect(browser[k].prosodyStats, `turn ${k} summary`).toEqual(Array.from(out.prosodyStats));
  }
  // And the normalisation did something: the second turn's loudness moved towards the reference's (12 dB up, shrunk).
  const energy = PROSODY_STATS_NAMES.indexOf('energyMeanDb');
  const raw = encoderInput(extractAudioFeatures(clips[1])).prosodyStats[energy];
  expect(node[1].prosodyStats[energy] - raw).toBeGreaterThan(3);
});
