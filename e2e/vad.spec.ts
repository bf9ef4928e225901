/**
 * Voice activity in the real page: the demo's microphone turns come from Silero VAD (in the inference Worker), so
 * speech over music makes one turn per sentence and music or typing alone makes none, where the energy VAD, on the
 * same fake microphone, makes turns of the music. Each test runs in a Chromium of its own whose fake microphone
 * plays the file the test is about (e2e/global-setup.ts makes them).
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { startLive } from './demo-start.ts';
import { BASE_ARGS, FAKE_VIDEO, MUSIC_AUDIO, SPEECH_OVER_MUSIC_AUDIO } from '../playwright.config.ts';

const ORIGIN = 'http://127.0.0.1:4173';

async function demoWithMicrophone(file: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...BASE_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${FAKE_VIDEO}`, `--use-file-for-fake-audio-capture=${file}`],
  });
  const page = await browser.newPage();
  await page.goto(`${ORIGIN}/?backend=wasm`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  return { page, close: () => browser.close() };
}

test('speech over music: one Silero turn per sentence, none stretched over the music between them', async () => {
  test.setTimeout(300_000);
  const { page, close } = await demoWithMicrophone(SPEECH_OVER_MUSIC_AUDIO);
  try {
    await startLive(page);
    await expect(page.locator('#live-indicator')).toBeVisible();
    expect(await page.evaluate(() => (window as any).emolensDemo.vad())).toBe('silero');
    // The file (two sentences over music, 3 s of music after each; ~13 s) loops: wait for four turns.
    await page.waitForFunction(() => (window as any).emolensDemo.turns.length >= 4, undefined, { timeout: 180_000 });
    const turns = await page.evaluate(() => (window as any).emolensDemo.turns.map((t: { startMs: number; endMs: number; modalities: Record<string, unknown> }) => ({ ms: t.endMs - t.startMs, audio: !!t.modalities.audio })));
    for (const [i, t] of turns.entries()) {
      expect(t.audio, `turn ${i} is a voice turn`).toBe(true);
      // A sentence lasts ~3.3 s; a turn that ran on through the music would last 6 s or more (the energy VAD's run to 12 s).
      expect(t.ms, `turn ${i} lasts ${t.ms.toFixed(0)} ms`).toBeLessThan(5_500);
      expect(t.ms).toBeGreaterThan(1_500);
    }
    await page.locator('#stop').click();
    expect(await page.evaluate(() => (window as any).emolensDemo.errors)).toEqual([]);
    expect(await page.evaluate(() => (window as any).emolensDemo.notices)).not.toContain('vad-fallback');
  } finally { await close(); }
});

test('music and typing alone: Silero makes no turn; the energy VAD on the same microphone does', async () => {
  test.setTimeout(300_000);
  const { page, close } = await demoWithMicrophone(MUSIC_AUDIO);
  try {
    await startLive(page);
    await expect(page.locator('#live-indicator')).toBeVisible();
    expect(await page.evaluate(() => (window as any).emolensDemo.vad())).toBe('silero');
    // Two loops of the 12 s file.
    await page.waitForTimeout(26_000);
    await page.locator('#stop').click();
    await expect(page.locator('#live-indicator')).toBeHidden();
    const seen = await page.evaluate(() => {
      const demo = (window as any).emolensDemo;
      const voice = demo.turns.filter((t: { modalities: Record<string, unknown> }) => t.modalities.audio);
      return { turns: voice.map((t: { startMs: number; endMs: number }) => `${t.startMs.toFixed(0)}–${t.endMs.toFixed(0)} ms`), notices: demo.notices, workerEvents: demo.workerEvents };
    });
    // Silero stayed in charge for the whole session (a fallback to loudness would make turns of the music)...
    expect(seen.notices, `notices (worker events: ${seen.workerEvents.join(', ') || 'none'})`).not.toContain('vad-fallback');
    // ...and it heard no voice in music or typing.
    expect(seen.turns, 'voice turns from music and typing with Silero').toEqual([]);

    // The same microphone through the energy VAD (the fallback): loud music is "speech" to it.
    const energyTurns = await page.evaluate(async () => {
      const { recognizer } = (window as any).emolensDemo;
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const session = await recognizer.startSession(stream, { vad: 'energy' });
      let turns = 0;
      session.on('turn', () => { turns++; });
      const kind = session.vad;
      await new Promise((r) => setTimeout(r, 26_000));
      await session.stop();
      stream.getTracks().forEach((t: MediaStreamTrack) => t.stop());
      return { turns, kind };
    });
    expect(energyTurns.kind).toBe('energy');
    expect(energyTurns.turns, 'the energy VAD makes turns of music').toBeGreaterThan(0);
  } finally { await close(); }
});
