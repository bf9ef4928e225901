/**
 * Bad input, dead Workers, ended tracks and leftovers between frames, tried for real in Chromium:
 *   - the built library (dist/lib, served at /lib/) in a plain page: every kind of bad input is refused with an
 *     InputError naming the argument and never enters the conversation; a transparent image analysed right after a
 *     photo of the same size finds no face; terminating either Worker gives notices, and the next call is answered
 *     by a restarted Worker that goes on with the same conversation;
 *   - the demo: both Workers terminated mid-session, camera and microphone tracks stopped from the page, a long
 *     typed conversation whose page stays bounded;
 *   - damaged files: a truncated text encoder, corrupt face-detector weights and corrupt WASM runtimes fail with the
 *     AssetError naming them.
 */
import { expect, test, type Page } from '@playwright/test';
import { startLive } from './demo-start.ts';

const LIB_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>library</title></head><body>
<script type="module">
  const lib = await import('/lib/emolens.js');
  window.lib = lib;
  window.recognizer = await lib.createRecognizer({ backend: 'wasm' });
  window.notices = [];
  window.recognizer.on('notice', (n) => window.notices.push(n.code));
  document.body.dataset.ready = 'true';
</script></body></html>`;

async function libraryPage(page: Page): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/plain/library.html', (route) => route.fulfill({ contentType: 'text/html', body: LIB_PAGE }));
  await page.goto('/plain/library.html');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  expect(errors).toEqual([]);
}

const finite = (p: Record<string, number>): boolean => Object.values(p).every(Number.isFinite) && Math.abs(Object.values(p).reduce((a, b) => a + b, 0) - 1) < 1e-4;

test('the library refuses every kind of bad input by name, and a refused turn never poisons the next ones', async ({ page }) => {
  await libraryPage(page);
  const r = await page.evaluate(async () => {
    const { recognizer, lib } = window as any;
    const refusal = (p: Promise<unknown> | (() => unknown)) => {
      const run = typeof p === 'function' ? new Promise((resolve) => resolve((p as () => unknown)())) : p;
      return (run as Promise<unknown>).then(() => 'accepted', (e: any) => `${e.name}${e instanceof lib.InputError ? '' : '(not InputError)'} ${e.argument ?? '-'}: ${e.message}`);
    };
    const first = await recognizer.analyzeText('Hello, nice to meet you.', { speaker: 'Ann' });
    const stereo = new AudioBuffer({ length: 16000, sampleRate: 16000, numberOfChannels: 2 });
    const refused = {
      infinity: await refusal(recognizer.analyzeAudio({ pcm: new Float32Array(24000).fill(Infinity), sampleRate: 16000 })),
      nan: await refusal(recognizer.analyzeAudio({ pcm: new Float32Array(24000).fill(NaN), sampleRate: 16000 })),
      unequal: await refusal(recognizer.analyzeAudio({ pcm: [new Float32Array(16000).fill(0.2), new Float32Array(8000).fill(0.2)], sampleRate: 16000 })),
      rate: await refusal(recognizer.analyzeAudio({ pcm: new Float32Array(16000).fill(0.2), sampleRate: 0 })),
      silentBuffer: await refusal(recognizer.analyzeAudio(stereo)),
      number: await refusal(recognizer.analyzeText(123)),
      huge: await refusal(recognizer.analyzeText('a'.repeat(1 << 20))),
      speaker: await refusal(recognizer.analyzeText('hi', { speaker: 42 })),
      option: await refusal(recognizer.analyzeText('hi', { speakr: 'Ann' })),
      turn: await refusal(recognizer.analyzeTurn('hello')),
      frames: await refusal(recognizer.analyzeTurn({ frames: [{}] })),
      frame: await refusal(recognizer.analyzeFrame(123)),
      emptyImage: await refusal(recognizer.analyzeFrame(new Image())),
      noContext: await refusal(recognizer.analyzeFrame(new OffscreenCanvas(64, 64))),
      stream: await refusal(recognizer.startSession('camera')),
    };
    // An ended stream (its tracks stopped) is refused by name, not with the browser's raw message.
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    stream.getTracks().forEach((t) => t.stop());
    (refused as any).endedStream = await refusal(recognizer.startSession(stream));
    (refused as any).sessionOption = await refusal(recognizer.startSession(stream, { speaker: 'Ann' }));
    (refused as any).event = await refusal(() => recognizer.on('turn', () => {}));
    // A notice from the session's start (no microphone in this stream) reaches a listener added after it resolved.
    const camera = await navigator.mediaDevices.getUserMedia({ video: true });
    (refused as any).capture = await refusal(recognizer.startSession(camera, { capture: 'canvas' }));
    const session = await recognizer.startSession(camera);
    const early: string[] = [];
    session.on('notice', (n: any) => early.push(n.code));
    await new Promise((r) => setTimeout(r, 50));
    await session.stop();
    camera.getTracks().forEach((t) => t.stop());
    // The next turns are clean, and the refused ones took no place in the conversation.
    const next = [];
    for (let i = 0; i < 3; i++) next.push(await recognizer.analyzeText(['That is great news!', 'I am so angry right now.', 'Okay.'][i]));
    const atLimit = await recognizer.analyzeText('so happy '.repeat(1000).slice(0, lib.LIMITS.textChars));
    const audio = await recognizer.analyzeAudio({ pcm: new Float32Array(16000).map((_, i) => 0.3 * Math.sin(i / 8)), sampleRate: 16000 });
    await recognizer.dispose();
    const afterDispose = await refusal(() => recognizer.setOptions({ smoothing: 0.5 }));
    return { first, refused, next, atLimit, audio, afterDispose, limit: lib.LIMITS.textChars, early };
  });
  const want: Record<string, RegExp> = {
    infinity: /^InputError audio\.pcm: audio\.pcm: sample 0 is Infinity/,
    nan: /^InputError audio\.pcm: audio\.pcm: sample 0 is NaN/,
    unequal: /^InputError audio\.pcm\[1\]: .*8000 samples, channel 0 has 16000/,
    rate: /^InputError audio\.sampleRate: .*0 Hz/,
    silentBuffer: /^InputError audio: .*silent/,
    number: /^InputError text: text: must be a string, got a number/,
    huge: /^InputError text: .*1048576 characters; one turn takes at most 5000/,
    speaker: /^InputError speaker: .*must be a string/,
    option: /^InputError options\.speakr: .*not an option/,
    turn: /^InputError input: .*must be an object, got a string/,
    frames: /^InputError frames\[0\]: .*must be a VideoFrame, ImageBitmap/,
    frame: /^InputError source: .*got a number/,
    emptyImage: /^InputError source: .*has no pixels/,
    noContext: /^InputError source: .*could not be read as an image/,
    stream: /^InputError stream: .*must be a MediaStream/,
    endedStream: /^InputError stream: .*tracks have ended/,
    sessionOption: /^InputError options\.speaker: .*must be a function/,
    event: /^InputError event: .*unknown recognizer event "turn"/,
    capture: /^InputError options\.capture: .*'webcodecs' or 'video-element'/,
  };
  for (const [k, re] of Object.entries(want)) expect((r.refused as Record<string, string>)[k], k).toMatch(re);
  expect(r.afterDispose).toMatch(/disposed/);
  expect(r.early, 'the start-up notice was kept for the first listener').toEqual(['no-microphone']);
  expect(r.first.index).toBe(0);
  expect(r.next.map((t: any) => t.index), 'refused turns never entered the conversation').toEqual([1, 2, 3]);
  for (const t of [...r.next, r.atLimit, r.audio]) {
    expect(finite(t.probabilities), `turn ${t.index} is a finite distribution`).toBe(true);
    expect(Object.values(t.gate).every(Number.isFinite)).toBe(true);
  }
  expect(r.atLimit.transcript.length).toBe(r.limit);
  expect(Object.keys(r.audio.modalities), 'an audio turn is an audio turn').toEqual(['audio']);
  expect(r.audio.gate.audio).toBeGreaterThan(0.99);
});

test('frames are isolated: a transparent image after a photo of the same size finds no face, and results do not depend on the frame before', async ({ page }) => {
  await libraryPage(page);
  const r = await page.evaluate(async () => {
    const { recognizer } = window as any;
    const photo = await createImageBitmap(await (await fetch('/vendor/bench-face.jpg')).blob(), { resizeWidth: 640, resizeHeight: 427 });
    const canvas = new OffscreenCanvas(640, 427);
    canvas.getContext('2d')!.drawImage(photo, 0, 0);
    const pick = (f: any) => ({ face: f.face, box: f.box, confidence: f.confidence ?? null, probabilities: f.probabilities ?? null });
    const transparentFirst = pick(await recognizer.analyzeFrame(new ImageData(640, 427)));
    const face = pick(await recognizer.analyzeFrame(canvas));
    const transparentAfter = pick(await recognizer.analyzeFrame(new ImageData(640, 427)));
    const empty = new OffscreenCanvas(640, 427);
    empty.getContext('2d');
    const emptyCanvasAfter = pick(await recognizer.analyzeFrame(empty));
    const faceAgain = pick(await recognizer.analyzeFrame(canvas));
    // A turn whose frames are all transparent has no face to average: it is refused, not given the photo's face.
    await recognizer.analyzeFrame(canvas);
    const blankTurn = await recognizer.analyzeTurn({ frames: [new ImageData(640, 427)] }).then(() => 'accepted', (e: Error) => e.message);
    await recognizer.dispose();
    return { transparentFirst, face, transparentAfter, emptyCanvasAfter, faceAgain, blankTurn };
  });
  expect(r.face.face).toBe(true);
  expect(r.face.box.width).toBeGreaterThan(40);
  expect(r.transparentFirst).toEqual({ face: false, box: null, confidence: null, probabilities: null });
  expect(r.transparentAfter, 'nothing of the photo shows through').toEqual(r.transparentFirst);
  expect(r.emptyCanvasAfter).toEqual(r.transparentFirst);
  expect(r.faceAgain, 'the same photo gives the same result whatever came before').toEqual(r.face);
  expect(r.blankTurn).toMatch(/No face was found/);
});

test('a terminated inference or face Worker is noticed and restarted through the library, and the conversation goes on', async ({ page }) => {
  test.setTimeout(300_000);
  await libraryPage(page);
  const r = await page.evaluate(async () => {
    const { recognizer } = window as any;
    const photo = await createImageBitmap(await (await fetch('/vendor/bench-face.jpg')).blob());
    const before = await recognizer.analyzeText('I am happy today.', { speaker: 'Ann' });
    const firstFrame = await recognizer.analyzeFrame(photo);
    const engine = recognizer.engine, tracker = await recognizer.tracker;
    // The crop went from the face Worker to the inference Worker over their own channel, not through the page.
    const routesFirst = { ...tracker.routes };
    const oldEngineWorker = engine.worker, oldFaceWorker = tracker.worker;
    oldEngineWorker.terminate();
    // A call made before the death is noticed is sent again to the restarted Worker: nothing is lost.
    const t0 = performance.now();
    const after = await recognizer.analyzeText('And now I am sad.', { speaker: 'Bob' });
    const engineRecoveryS = (performance.now() - t0) / 1000;
    oldFaceWorker.terminate();
    const t1 = performance.now();
    const frame = await recognizer.analyzeFrame(photo);
    const faceRecoveryS = (performance.now() - t1) / 1000;
    const tensors = await recognizer.tensors();
    const third = await recognizer.analyzeText('Fine.', { speaker: 'Ann' });
    // Both Workers were replaced: the page linked the new pair again.
    const frameAgain = await recognizer.analyzeFrame(photo);
    const routesEnd = { ...tracker.routes };
    const replaced = engine.worker !== oldEngineWorker && tracker.worker !== oldFaceWorker;
    await recognizer.dispose();
    return { before, after, third, firstFrame, frame, frameAgain, routesFirst, routesEnd, notices: (window as any).notices, engineRecoveryS, faceRecoveryS, tensors, replaced };
  });
  expect(r.routesFirst).toEqual({ direct: 1, viaPage: 0 });
  expect(r.routesEnd.direct, `routes at the end: ${JSON.stringify(r.routesEnd)}`).toBeGreaterThanOrEqual(2);
  expect(r.routesEnd.direct + r.routesEnd.viaPage).toBe(3);
  expect(r.firstFrame.face && r.frameAgain.face).toBe(true);
  expect(Object.keys(r.firstFrame.raw)).toHaveLength(7);
  for (const [label, p] of Object.entries(r.firstFrame.raw)) expect(r.frameAgain.raw[label], label).toBeCloseTo(p as number, 5);
  expect(r.replaced).toBe(true);
  expect(r.notices).toEqual(['worker-died', 'worker-restarted', 'worker-died', 'worker-restarted']);
  expect(r.before.index).toBe(0);
  expect(r.after.index, 'the restarted Worker goes on with the same conversation').toBe(1);
  expect(r.third.index).toBe(2);
  expect(finite(r.after.probabilities) && finite(r.third.probabilities)).toBe(true);
  expect(r.frame.face).toBe(true);
  expect(r.tensors).toBeGreaterThan(0);
  console.log(`recovery: inference worker ${r.engineRecoveryS.toFixed(1)} s, face worker ${r.faceRecoveryS.toFixed(1)} s`);
});

test('the demo goes on when its Workers die mid-session, says when a track ends, and keeps a long conversation bounded', async ({ page }) => {
  test.setTimeout(420_000);
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  await startLive(page);
  await expect(page.locator('#live-indicator')).toBeVisible();
  await page.waitForFunction(() => (window as any).emolensDemo.faces >= 3, undefined, { timeout: 60_000 });

  // The inference Worker dies: a message, a restart, and typed turns appear again, numbered on.
  await page.locator('#text').fill('Before the crash, all is well.');
  await page.locator('#send').click();
  await page.waitForFunction(() => (window as any).emolensDemo.turns.some((t: any) => t.transcript?.startsWith('Before the crash')), undefined, { timeout: 60_000 });
  const turnsBefore = await page.evaluate(() => (window as any).emolensDemo.turns.length);
  await page.evaluate(() => (window as any).emolensDemo.recognizer.engine.worker.terminate());
  // The message box shows the latest message ("stopped", then "restarted"); the page's error log keeps both.
  await expect(page.locator('#message')).toContainText('inference worker was restarted', { timeout: 120_000 });
  expect(await page.evaluate(() => (window as any).emolensDemo.errors)).toContainEqual(expect.stringMatching(/^The inference worker stopped \(it did not answer for 1[5-9] s\)/));
  await page.locator('#text').fill('After the crash, we go on.');
  await page.locator('#send').click();
  await page.waitForFunction(() => (window as any).emolensDemo.turns.some((t: any) => t.transcript?.startsWith('After the crash')), undefined, { timeout: 60_000 });
  const after = await page.evaluate(() => (window as any).emolensDemo.turns.find((t: any) => t.transcript?.startsWith('After the crash')));
  expect(after.index, 'numbered on from the conversation before the crash').toBeGreaterThanOrEqual(turnsBefore);
  await expect(page.locator('#live-indicator')).toBeVisible();

  // The face Worker dies: frames are analysed again after the restart.
  await page.evaluate(async () => (await (window as any).emolensDemo.recognizer.tracker).worker.terminate());
  await expect(page.locator('#message')).toContainText('face worker was restarted', { timeout: 120_000 });
  expect(await page.evaluate(() => (window as any).emolensDemo.errors)).toContainEqual(expect.stringMatching(/^The face worker stopped/));
  const faces = await page.evaluate(() => (window as any).emolensDemo.faces);
  await page.waitForFunction((n) => (window as any).emolensDemo.faces >= n + 3, faces, { timeout: 60_000 });
  expect(await page.evaluate(() => (window as any).emolensDemo.workerEvents)).toEqual(['died', 'restarted', 'died', 'restarted']);

  // The camera track ends (stopped from the page, as an unplugged camera would): a notice, the microphone goes on.
  await page.evaluate(() => (window as any).emolensDemo.tracks().find((t: MediaStreamTrack) => t.kind === 'video').stop());
  await expect(page.locator('#message')).toContainText('The camera stopped', { timeout: 10_000 });
  await expect(page.locator('#message')).toContainText('going on without the face');
  await expect(page.locator('#live-indicator')).toBeVisible();
  // Then the microphone: nothing is left, so the session ends cleanly and Start works again.
  await page.evaluate(() => (window as any).emolensDemo.tracks().find((t: MediaStreamTrack) => t.kind === 'audio').stop());
  await expect(page.locator('#message')).toContainText('The live session ended', { timeout: 10_000 });
  await expect(page.locator('#live-indicator')).toBeHidden();
  await expect(page.locator('#start')).toBeEnabled();
  await expect(page.locator('#stop')).toBeDisabled();

  // A long typed conversation: the list and charts stay bounded, every turn is kept in memory.
  for (let i = 0; i < 56; i++) {
    await page.locator('#text').fill(`Turn number ${i}, still talking.`);
    await page.locator('#send').click();
  }
  await page.waitForFunction(() => (window as any).emolensDemo.turns.filter((t: any) => t.transcript?.startsWith('Turn number')).length === 56, undefined, { timeout: 180_000 });
  const total = await page.evaluate(() => (window as any).emolensDemo.turns.length);
  expect(total).toBeGreaterThan(58);
  await expect(page.locator('#turns .turn')).toHaveCount(30);
  await expect(page.locator('#turns-hidden')).toHaveText(`${total - 30} earlier turns not shown (kept in memory for this session)`);
  await expect(page.locator('#va-plot .turn-dot')).toHaveCount(Math.min(total, 60));
  await expect(page.locator('#turns .turn').last()).toContainText('Turn number 55');
  const tensors = await page.evaluate(() => (window as any).emolensDemo.tensors());
  expect(tensors).toBeGreaterThan(0);
});

test('bad input through the demo gives a message and leaves the conversation as it was', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true', { timeout: 180_000 });
  await page.locator('#text').fill('A first, ordinary turn.');
  await page.locator('#send').click();
  await expect(page.locator('#turns .turn')).toHaveCount(1, { timeout: 60_000 });
  // Blank text: nothing is added.
  await page.locator('#text').fill('   ');
  await page.locator('#send').click();
  await expect(page.locator('#message')).toContainText('empty text adds no turn');
  // Text past the per-turn limit (the box's maxlength stops typing, not a script or an extension): refused by name.
  await page.evaluate(() => { (document.getElementById('text') as HTMLInputElement).value = 'word '.repeat(3000); });
  await page.locator('#send').click();
  await expect(page.locator('#message')).toContainText('This turn was not added: text: is 14999 characters; one turn takes at most 5000');
  // Files that are not recordings: an empty one and a text file.
  await page.locator('#file').setInputFiles({ name: 'empty.webm', mimeType: 'video/webm', buffer: Buffer.alloc(0) });
  await expect(page.locator('#message')).toContainText('Could not analyse empty.webm');
  await page.locator('#file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a recording') });
  await expect(page.locator('#message')).toContainText('Could not analyse notes.txt');
  // The conversation goes on, clean: file mode started a new one, and the next typed turn is its first.
  await page.locator('#text').fill('And an ordinary turn after all that.');
  await page.locator('#send').click();
  await expect(page.locator('#turns .turn')).toHaveCount(1, { timeout: 60_000 });
  const last = await page.evaluate(() => (window as any).emolensDemo.turns.at(-1));
  expect(last.transcript).toBe('And an ordinary turn after all that.');
  expect(finite(last.probabilities)).toBe(true);
  expect(await page.evaluate(() => (window as any).emolensDemo.errors)).toEqual(expect.arrayContaining([expect.stringContaining('Could not analyse empty.webm')]));
});

test('a truncated text encoder, corrupt face-detector weights and corrupt runtime binaries fail with the AssetError that names them', async ({ page }) => {
  // Serves `edit` of the real file. A request of the page being navigated away from is dropped mid-fetch (its
  // Worker ends with it): that one is aborted, not a failure.
  const damage = (edit: (body: Buffer) => Buffer) => async (route: import('@playwright/test').Route) => {
    try {
      const response = await route.fetch();
      await route.fulfill({ response, body: edit(Buffer.from(await response.body())) });
    } catch { await route.abort().catch(() => {}); }
  };
  await page.route('**/models/text-encoder/onnx/model.onnx', damage((body) => body.subarray(0, 1_000_000)));
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'error', { timeout: 180_000 });
  await expect(page.locator('#message')).toContainText('Model file "text-encoder/onnx/model.onnx" is 1000000 bytes');
  await expect(page.locator('#message')).toContainText('truncated');
  await page.unroute('**/models/text-encoder/onnx/model.onnx');
  // Each load below must fetch its damaged file: the loads before it kept the good files in the cache.
  const forgetCachedFiles = () => page.evaluate(() => caches.delete('emolens-assets-v1'));

  await forgetCachedFiles();
  await page.route('**/vendor/face-api/tiny_face_detector_model.bin', damage((body) => { body[1000] ^= 0xff; return body; }));
  await page.goto('/?backend=wasm');
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'error', { timeout: 180_000 });
  await expect(page.locator('#message')).toContainText('Runtime file "face-api/tiny_face_detector_model.bin" is corrupt');
  await page.unroute('**/vendor/face-api/tiny_face_detector_model.bin');

  // The runtimes' own WASM binaries are checked too (tfjs' WASM backend, onnxruntime-web).
  for (const file of ['tfjs-wasm/tfjs-backend-wasm-simd.wasm', 'ort/ort-wasm-simd-threaded.asyncify.wasm']) {
    await page.route(`**/vendor/${file}`, damage((body) => { body[body.length - 10] ^= 0xff; return body; }));
    await forgetCachedFiles();
    await page.goto('/?backend=wasm');
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'error', { timeout: 180_000 });
    await expect(page.locator('#message')).toContainText(`Runtime file "${file}" is corrupt`);
    await page.unroute(`**/vendor/${file}`);
  }
});
