/**
 * The live demo, built on the library like any page that uses EmoLens: `createRecognizer` loads the models on page
 * open (with progress) in the inference Worker, so this thread only captures and draws; the camera and microphone
 * open only when the user presses Start, and `startSession` analyses them (video frames → face worker → face
 * encoder; microphone → voice-activity turns → audio encoder; the text box, or the picked speech-to-text adapter,
 * supplies what was said). File mode is `analyzeFile`. This file is the page: it renders frames and turns.
 */
import { LABELS } from '../labels.ts';
import { isBackendName } from '../runtime/backend-names.ts';
import { AssetError, MediaAccessError, clearCache, createRecognizer, readSessionExport, sessionToCsv, sessionToJson, openMedia, type EmoLensRecognizer, type EmoLensSession, type FrameEmotion, type Notice } from '../index.ts';
import type { Probabilities, TurnResult } from '../session/results.ts';
import type { SpeechToText } from '../stt/speech-to-text.ts';
import { WebSpeechToText } from '../stt/web-speech.ts';
import { drawTimeline, drawValenceArousal } from './charts.ts';
import { DEFAULT_SPEAKER } from '../session/turn.ts';
import { TypedFirst } from './typed-transcript.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const requestedBackend = params.get('backend');
/** `?capture=video-element` forces the <video> fallback instead of WebCodecs (to compare, or to test it). */
const forceCaptureFallback = params.get('capture') === 'video-element';

/** What the e2e tests and curious developers can read from the console. */
interface DemoHandle { recognizer?: EmoLensRecognizer; vad: () => string | undefined; turns: TurnResult[]; faces: number; errors: string[]; workerEvents: string[]; notices: string[]; running: boolean; tracks: () => MediaStreamTrack[]; tensors: () => Promise<number>; file?: Record<string, unknown>;
  /** The track ids of each recent frame's faces (the latest 500 frames). */
  frameTracks: number[][];
  /** Tasks over 50 ms on this page's thread since it opened (the latest 1,000): when, and how long (ms). */
  longTasks: { at: number; ms: number }[];
  /** Turns shown from an opened export. */
  opened?: number }
const handle: DemoHandle = { vad: () => session?.vad, turns: [], faces: 0, frameTracks: [], longTasks: [], errors: [], workerEvents: [], notices: [], running: false, tracks: () => stream?.getTracks() ?? [], tensors: async () => (await recognizer?.tensors()) ?? 0 };
(window as unknown as { emolensDemo: DemoHandle }).emolensDemo = handle;
// The page's thread should only capture and draw: every task that blocks it for over 50 ms is counted (Chromium).
if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) handle.longTasks.push({ at: e.startTime, ms: e.duration });
    if (handle.longTasks.length > 1000) handle.longTasks.splice(0, handle.longTasks.length - 1000);
  }).observe({ type: 'longtask', buffered: true });
}

let recognizer: EmoLensRecognizer | undefined;
let stream: MediaStream | undefined;
/** The live session while the camera and microphone run; typed turns go straight to the recognizer otherwise. */
let session: EmoLensSession | undefined;

/**
 * Turns drawn on the page: the list keeps the latest LIST_TURNS, the charts the latest CHART_TURNS, so a long
 * session's page stays small. Every turn stays in `handle.turns` (the whole session, for the console and export).
 */
const LIST_TURNS = 30;
const CHART_TURNS = 60;

function showMessage(text: string, kind: 'error' | 'info' = 'error'): void {
  const box = $('message');
  box.textContent = text; box.className = kind; box.hidden = false;
  if (kind === 'error') handle.errors.push(text);
}
function clearMessage(): void { $('message').hidden = true; }

function bars(container: HTMLElement, probs: Probabilities): void {
  container.replaceChildren(...LABELS.flatMap((label) => {
    const name = document.createElement('span'); name.textContent = label;
    const bar = document.createElement('span'); bar.className = 'bar';
    const fill = document.createElement('i'); fill.style.width = `${(probs[label] * 100).toFixed(1)}%`; bar.append(fill);
    const value = document.createElement('span'); value.textContent = `${(probs[label] * 100).toFixed(0)}%`;
    return [name, bar, value];
  }));
}

async function init(): Promise<void> {
  if (requestedBackend && !isBackendName(requestedBackend)) { showMessage(`Unknown backend "${requestedBackend}": use webgpu, webgl, wasm or cpu.`); return; }
  const files = new Map<string, { loaded: number; total: number }>();
  try {
    const backend = requestedBackend && isBackendName(requestedBackend) ? requestedBackend : undefined;
    recognizer = await createRecognizer({ backend, onProgress: (e) => {
      if (document.body.dataset.ready === 'true') return; // a restarted worker reloading: no progress bar again
      if (e.file) files.set(e.file, { loaded: e.loaded, total: e.total });
      const loaded = [...files.values()].reduce((n, f) => n + f.loaded, 0), total = [...files.values()].reduce((n, f) => n + f.total, 0);
      ($('progress') as HTMLProgressElement).value = total ? loaded / total : 0;
      $('progress-text').textContent = e.status === 'ready' ? 'Models ready' : `Loading ${e.file} (${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB)`;
    } });
    handle.recognizer = recognizer;
    const { skipped } = recognizer.backend;
    $('backend').textContent = recognizer.backend.backend;
    $('backend').title = skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('\n') || 'first choice';
    $('backend-skipped').textContent = skipped.length ? `(${skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('; ')})` : '';
    recognizer.on('notice', showWorkerNotice);
    $('face-backend').textContent = `face-api on ${await recognizer.prepareFaces()}`;
    $('progress-box').hidden = true;
    ($('start') as HTMLButtonElement).disabled = false;
    ($('send') as HTMLButtonElement).disabled = false;
    ($('file') as HTMLInputElement).disabled = false;
    document.body.dataset.ready = 'true';
  } catch (error) {
    const text = error instanceof AssetError ? `${error.message}. Reinstall or rebuild the models (see README).` : `EmoLens could not start: ${(error as Error).message}`;
    showMessage(text);
    $('progress-text').textContent = 'Failed';
    document.body.dataset.ready = 'error';
    console.error(error);
  }
}

/** A worker died, was restarted, or could not be (the recognizer's notices): the user sees it. */
function showWorkerNotice(n: Notice): void {
  const event = { 'worker-died': 'died', 'worker-restarted': 'restarted', 'worker-failed': 'failed' }[n.code ?? ''];
  if (event) handle.workerEvents.push(event);
  showMessage(n.code === 'worker-failed' ? `${n.text}. Reload the page.` : n.text, n.kind);
}

function renderFrame(f: FrameEmotion): void {
  drawFaces(f);
  handle.frameTracks.push(f.faces.map((face) => face.trackId ?? 0));
  if (handle.frameTracks.length > 500) handle.frameTracks.shift();
  if (!f.face || !f.probabilities) { $('face-now').textContent = 'No face in view'; return; }
  handle.faces++;
  // The bars show the face the turns take: the picked one while it is in view, else the largest.
  const shown = f.faces.find((face) => face.trackId === speakerFace) ?? f.faces[0];
  bars($('face-now'), shown.probabilities);
}

/** The face the user clicked as the speaker's (its track id), if any. */
let speakerFace: number | undefined;
let lastFrame: FrameEmotion | undefined;

/** Every face's box, track and label; the speaker's face (clicked, else the largest) in the accent colour. */
function drawFaces(f: FrameEmotion): void {
  lastFrame = f;
  const canvas = $('overlay') as HTMLCanvasElement;
  // Resizing reallocates the canvas: only when the frame size changes, not every frame.
  if (canvas.width !== f.width || canvas.height !== f.height) { canvas.width = f.width; canvas.height = f.height; }
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, f.width, f.height);
  const line = Math.max(2, f.width / 200);
  const speaker = f.faces.find((face) => face.trackId === speakerFace) ?? f.faces[0];
  ctx.font = `${Math.round(line * 7)}px system-ui, sans-serif`;
  for (const face of f.faces) {
    const { x, y, width, height } = face.box;
    ctx.strokeStyle = ctx.fillStyle = face === speaker ? '#39f' : '#ccc';
    ctx.lineWidth = line;
    ctx.strokeRect(x, y, width, height);
    ctx.fillText(`#${face.trackId} ${face.label} ${Math.round(face.confidence * 100)}%`, x, Math.max(line * 7, y - line * 2));
  }
}

/** From the keyboard: Enter or Space on the video picks the next face in view as the speaker's (then none: the largest). */
function pickSpeakerFaceByKey(event: KeyboardEvent): void {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  event.preventDefault();
  const ids = (lastFrame?.faces ?? []).map((f) => f.trackId).filter((id): id is number => id !== undefined);
  const at = speakerFace === undefined ? -1 : ids.indexOf(speakerFace);
  speakerFace = at + 1 < ids.length ? ids[at + 1] : undefined;
  session?.setSpeakerFace(speakerFace ?? null);
  ($('overlay') as HTMLCanvasElement).setAttribute('aria-label', `Faces in view: ${ids.length}. ${speakerFace === undefined ? 'The turns take the largest face' : `The turns take face #${speakerFace}`}. Press Enter for the next.`);
  if (lastFrame) drawFaces(lastFrame);
}

/** A click on a face makes it the speaker's (the turns take their face from it); a click elsewhere undoes that. */
function pickSpeakerFace(event: MouseEvent): void {
  const canvas = $('overlay') as HTMLCanvasElement;
  if (!lastFrame || !canvas.width) return;
  // The canvas is drawn with object-fit: contain, centred in its box.
  const rect = canvas.getBoundingClientRect();
  const scale = Math.min(rect.width / canvas.width, rect.height / canvas.height);
  const x = (event.clientX - rect.left - (rect.width - canvas.width * scale) / 2) / scale;
  const y = (event.clientY - rect.top - (rect.height - canvas.height * scale) / 2) / scale;
  const hit = lastFrame.faces.find(({ box }) => x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height);
  speakerFace = hit?.trackId;
  session?.setSpeakerFace(speakerFace ?? null);
  drawFaces(lastFrame);
}

/** Reads and clears the text box: the typed transcript of the turn being built. */
function takeTypedText(): string | undefined {
  const textBox = $('text') as HTMLInputElement;
  const typed = textBox.value.trim() || undefined;
  textBox.value = '';
  return typed;
}

const speakerName = (): string => ($('speaker') as HTMLInputElement).value.trim() || DEFAULT_SPEAKER;

/** A live session over `media`, wired to the page. */
async function openSession(media: MediaStream, stt: SpeechToText): Promise<EmoLensSession> {
  const s = await recognizer!.startSession(media, { stt, speaker: speakerName, capture: forceCaptureFallback ? 'video-element' : 'webcodecs' });
  s.on('frame', renderFrame);
  s.on('turn', showTurn);
  s.on('notice', (n) => {
    if (n.code) handle.notices.push(n.code);
    if (n.code?.startsWith('worker-')) return; // shown once, from the recognizer's own notices
    showMessage(n.text, n.kind); if (n.kind === 'error') console.error(n.text);
  });
  // Every camera and microphone track ended (unplugged, permission revoked): back to typed turns, Start again.
  s.on('end', () => { if (s === session) void liveEnded(); });
  return s;
}

/** A new turn (live or from a file): the list, the fused box and both charts. */
function showTurn(result: TurnResult): void {
  handle.turns.push(result);
  // Speakers seen so far become quick picks in the speaker box.
  const known = $('speakers');
  if (![...known.children].some((o) => (o as HTMLOptionElement).value === result.speaker)) {
    const option = document.createElement('option'); option.value = result.speaker; known.append(option);
  }
  renderTurn(result);
  // Announced by screen readers (a polite live region): who, what, how sure.
  $('fused-now').textContent = `#${result.index + 1} ${result.speaker}: ${result.label} ${(result.confidence * 100).toFixed(0)}% — valence ${result.valence.toFixed(2)}, arousal ${result.arousal.toFixed(2)}`;
  const recent = handle.turns.slice(-CHART_TURNS);
  drawValenceArousal($('va-plot') as unknown as SVGSVGElement, recent);
  drawTimeline($('timeline') as unknown as SVGSVGElement, recent);
  window.dispatchEvent(new CustomEvent('emolens:turn', { detail: result }));
}

async function clearConversation(): Promise<void> {
  await recognizer?.reset();
  handle.turns.length = 0;
  $('turns').replaceChildren();
  $('turns-hidden').textContent = '';
  $('fused-now').textContent = '—';
  drawValenceArousal($('va-plot') as unknown as SVGSVGElement, []);
  drawTimeline($('timeline') as unknown as SVGSVGElement, []);
}

/** The conversation shown (every turn of this page's session) as a file the browser saves. */
function download(format: 'json' | 'csv'): void {
  if (!handle.turns.length) { $('export-status').textContent = 'No turn yet: nothing to download.'; return; }
  const text = format === 'json' ? sessionToJson(handle.turns) : sessionToCsv(handle.turns);
  const url = URL.createObjectURL(new Blob([text], { type: format === 'json' ? 'application/json' : 'text/csv' }));
  const a = document.createElement('a');
  a.href = url; a.download = `emolens-session-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${format}`;
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  $('export-status').textContent = `${handle.turns.length} turns downloaded as ${format.toUpperCase()}.`;
}

/** Shows an exported session again (list, charts): no model is needed, so it works before they load or without them. */
async function openExport(file: File): Promise<void> {
  if (handle.running) { showMessage('Stop the camera and microphone first: an opened file replaces the conversation shown.', 'info'); return; }
  const input = $('open-export') as HTMLInputElement;
  try {
    const data = readSessionExport(await file.text());
    await clearConversation();
    for (const turn of data.turns) showTurn(turn);
    $('export-status').textContent = `${file.name}: ${data.turns.length} turns shown (an export, not analysed again).`;
    handle.opened = data.turns.length;
  } catch (error) {
    showMessage(`Could not open ${file.name}: ${(error as Error).message}`);
  } finally {
    input.value = '';
  }
}

/** File mode: a new conversation from the chosen recording, analysed offline with a progress bar. */
async function analyzeFile(file: File): Promise<void> {
  if (handle.running) { showMessage('Stop the camera and microphone first: file mode starts a new conversation.', 'info'); return; }
  clearMessage();
  await clearConversation();
  const input = $('file') as HTMLInputElement, progress = $('file-progress') as HTMLProgressElement;
  // The file is its own conversation: no live or typed turns may join it while it is analysed.
  const locked = ['start', 'send'].map((id) => $(id) as HTMLButtonElement);
  locked.forEach((b) => { b.disabled = true; });
  input.disabled = true; progress.hidden = false; progress.value = 0;
  handle.file = { state: 'running' };
  try {
    const result = await recognizer!.analyzeFile(file, {
      speaker: speakerName(), onTurn: showTurn,
      onProgress: (fraction, stage) => { progress.value = fraction; $('file-status').textContent = stage; },
    });
    const summary = `${file.name}: ${result.turns.length} turns in ${result.durationS.toFixed(1)} s; faces in ${result.framesWithFace}/${result.framesAnalysed} frames${result.hasAudio ? '' : '; no soundtrack'}`;
    $('file-status').textContent = summary;
    if (result.hasVideo && result.framesWithFace === 0) showMessage('No face was found in the video: the turns use the voice only.', 'info');
    handle.file = { state: 'done', ...result, turns: result.turns.length };
  } catch (error) {
    showMessage(`Could not analyse ${file.name}: ${(error as Error).message}`);
    $('file-status').textContent = 'Failed';
    handle.file = { state: 'error' };
  } finally {
    input.disabled = false; input.value = '';
    locked.forEach((b) => { b.disabled = false; });
  }
}

function renderTurn(r: TurnResult): void {
  const li = document.createElement('li'); li.className = 'turn'; li.dataset.label = r.label;
  const head = document.createElement('header');
  head.innerHTML = `<span><b></b> <span class="transcript"></span></span><span class="label"></span>`;
  head.querySelector('b')!.textContent = `#${r.index + 1} ${r.speaker}`;
  head.querySelector('.transcript')!.textContent = r.transcript ? `“${r.transcript}”` : '(no text)';
  head.querySelector('.label')!.textContent = `${r.label} ${(r.confidence * 100).toFixed(0)}%`;
  const grid = document.createElement('div'); grid.className = 'modalities';
  const panel = (title: string, probs: Probabilities): void => {
    const box = document.createElement('div'); const h = document.createElement('h4'); h.textContent = title;
    const b = document.createElement('div'); b.className = 'bars'; bars(b, probs); box.append(h, b); grid.append(box);
  };
  panel(`fused · valence ${r.valence.toFixed(2)} arousal ${r.arousal.toFixed(2)}`, r.probabilities);
  for (const m of ['text', 'audio', 'face'] as const) if (r.modalities[m]) panel(`${m} · gate ${(r.gate[m] * 100).toFixed(0)}%`, r.modalities[m]!);
  li.append(head, grid);
  const list = $('turns');
  list.append(li);
  while (list.children.length > LIST_TURNS) list.firstElementChild!.remove();
  const hidden = handle.turns.length - list.children.length;
  $('turns-hidden').textContent = hidden > 0 ? `${hidden} earlier turn${hidden === 1 ? '' : 's'} not shown (kept in memory for this session)` : '';
}

/** Whether the user agreed, in this page, to what the analysis does (asked once per page load; never stored). */
let consented = false;

/** Says what is analysed, where, and what the results are, before any device opens; resolves with the user's answer. */
function askConsent(): Promise<boolean> {
  const dialog = $('consent') as HTMLDialogElement;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'accept'), { once: true }));
}

async function start(): Promise<void> {
  ($('start') as HTMLButtonElement).disabled = true;
  clearMessage();
  if (!consented && !(await askConsent())) {
    showMessage('Nothing was opened. Typed turns and file mode work without the camera and microphone.', 'info');
    ($('start') as HTMLButtonElement).disabled = false;
    return;
  }
  consented = true;
  try {
    stream = await openMedia({ video: { width: 640, height: 480 }, audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  } catch (error) {
    showMessage(error instanceof MediaAccessError ? error.message : String(error));
    ($('start') as HTMLButtonElement).disabled = false;
    return;
  }
  const video = $('video') as HTMLVideoElement;
  video.srcObject = stream; await video.play().catch(() => {});
  try {
    session = await openSession(stream, speechToText());
    // Track ids start again with every session.
    speakerFace = undefined;
  } catch (error) {
    // Nothing stays open: the tracks stop, and typed turns keep working.
    stream.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
    showMessage(`Could not start the analysis: ${(error as Error).message}`);
    ($('start') as HTMLButtonElement).disabled = false;
    return;
  }
  let lastCount = 0, lastTime = performance.now();
  const live = session;
  const fpsTimer = setInterval(() => {
    if (!live.running) { clearInterval(fpsTimer); return; }
    const now = performance.now();
    $('fps').textContent = `${(((live.framesDelivered - lastCount) * 1000) / (now - lastTime)).toFixed(1)} fps analysed (${live.capturePath})`;
    lastCount = live.framesDelivered; lastTime = now;
  }, 2000);
  handle.running = true;
  $('live-indicator').hidden = false;
  ($('stop') as HTMLButtonElement).disabled = false;
}

async function stop(): Promise<void> {
  // Tracks first: the camera light and the browser's recording indicator go off at once.
  stream?.getTracks().forEach((t) => t.stop());
  const ending = session;
  if (!handle.running || !ending) return;
  // At once, before the session's track watch can mistake the stopped tracks for unplugged devices.
  await backToTyped(ending.stop());
}

/** The live session ended by itself (no track left): the page goes back to typed turns. */
async function liveEnded(): Promise<void> {
  stream?.getTracks().forEach((t) => t.stop());
  await backToTyped(session?.stop() ?? Promise.resolve());
}

/** Back to typed turns; the ending session analyses a turn still being spoken first. */
async function backToTyped(stopped: Promise<void>): Promise<void> {
  session = undefined;
  handle.running = false;
  $('live-indicator').hidden = true;
  $('fps').textContent = '—';
  ($('stop') as HTMLButtonElement).disabled = true;
  await stopped.catch((error: unknown) => console.error(error));
  ($('start') as HTMLButtonElement).disabled = false;
}

/**
 * Transcripts of voice turns: what is typed in the box while speaking, else the adapter the picker names (Web Speech
 * only where the browser has it: it sends audio to the vendor's service).
 */
function speechToText(): SpeechToText {
  if (($('stt') as HTMLSelectElement).value !== 'web-speech') return new TypedFirst(takeTypedText);
  if (!WebSpeechToText.isSupported()) { showMessage('This browser has no Web Speech API: type the transcript instead.', 'info'); return new TypedFirst(takeTypedText); }
  return new TypedFirst(takeTypedText, new WebSpeechToText({ onError: (e) => showMessage(`Speech-to-text: ${e.message}`, e.recoverable ? 'info' : 'error') }));
}

$('start').addEventListener('click', () => { void start(); });
$('file').addEventListener('change', () => { const f = ($('file') as HTMLInputElement).files?.[0]; if (f) void analyzeFile(f); });
$('stop').addEventListener('click', () => { void stop(); });
$('overlay').addEventListener('click', pickSpeakerFace);
$('overlay').addEventListener('keydown', pickSpeakerFaceByKey);
$('export-json').addEventListener('click', () => download('json'));
$('export-csv').addEventListener('click', () => download('csv'));
$('open-export').addEventListener('change', () => { const f = ($('open-export') as HTMLInputElement).files?.[0]; if (f) void openExport(f); });
$('forget').addEventListener('click', () => {
  // Every result this page holds: the turns shown, the live session's own copies, the conversation's context.
  session?.forget();
  void clearConversation().then(() => { $('export-status').textContent = 'Forgotten: no result of this session is left in the page.'; });
});
$('clear-cache').addEventListener('click', () => {
  void clearCache().then((had) => { $('cache-status').textContent = had ? 'Cleared: the next visit downloads the models again.' : 'Nothing was cached.'; });
});
$('text-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!($('text') as HTMLInputElement).value.trim()) { showMessage('Type what was said first: empty text adds no turn.', 'info'); return; }
  // The text is taken now: a second turn typed before this one is analysed must not change it.
  const text = takeTypedText()!;
  const refused = (error: unknown): void => showMessage(`This turn was not added: ${(error as Error).message}`);
  if (session) { try { session.addTypedTurn(text); } catch (error) { refused(error); } return; }
  recognizer?.analyzeText(text, { speaker: speakerName() }).then(showTurn, refused);
});
window.addEventListener('pagehide', () => { void stop(); });
void init();
