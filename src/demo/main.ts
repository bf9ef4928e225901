/**
 * The live demo: models load on page open (with progress); the camera and microphone open only when the user
 * presses Start. Video frames → face worker (box + 48×48 crop) → face encoder; microphone → AudioWorklet →
 * voice-activity turns → audio encoder; the text box supplies what was said. Each turn is fused with the
 * conversation so far and shown with its per-modality probabilities and gate weights.
 */
import * as tf from '@tensorflow/tfjs';
import { LABELS } from '../labels.ts';
import { Recognizer, type ModalityEmbedding } from '../recognizer.ts';
import { isBackendName } from '../runtime/backend.ts';
import { AssetError } from '../runtime/assets.ts';
import { openMedia, MediaAccessError } from '../runtime/media.ts';
import { startCameraReader, type CameraReader } from '../video/camera.ts';
import { FaceTracker } from '../video/face-tracker.ts';
import { startMicrophone } from '../audio/microphone.ts';
import { TurnSegmenter } from '../audio/vad.ts';
import type { Probabilities, TurnResult } from '../session/conversation.ts';
import { SpeechToTextError, TypedTextOnly, type SpeechToText } from '../stt/speech-to-text.ts';
import { WebSpeechToText } from '../stt/web-speech.ts';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const requestedBackend = params.get('backend');
/** `?capture=video-element` forces the <video> fallback instead of WebCodecs (to compare, or to test it). */
const forceCaptureFallback = params.get('capture') === 'video-element';

/** What the e2e tests and curious developers can read from the console. */
interface DemoHandle { recognizer?: Recognizer; turns: TurnResult[]; faces: number; errors: string[]; running: boolean; tracks: () => MediaStreamTrack[]; tensors: () => number }
const handle: DemoHandle = { turns: [], faces: 0, errors: [], running: false, tracks: () => stream?.getTracks() ?? [], tensors: () => tf.memory().numTensors };
(window as unknown as { emolensDemo: DemoHandle }).emolensDemo = handle;

let recognizer: Recognizer | undefined;
let tracker: FaceTracker | undefined;
let stream: MediaStream | undefined;
let camera: CameraReader | undefined;
let mic: { stop(): Promise<void> } | undefined;
let segmenter: TurnSegmenter | undefined;
let micStart = 0;
/** Face embeddings seen since the last turn, with their time (performance.now()). */
let recentFaces: { t: number; face: ModalityEmbedding }[] = [];
let turnQueue = Promise.resolve();
/** Where transcripts come from: the typed text box (default, on-device) or the picked speech-to-text adapter. */
let stt: SpeechToText = new TypedTextOnly();

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
    recognizer = await Recognizer.create({
      backend: requestedBackend && isBackendName(requestedBackend) ? requestedBackend : undefined,
      onProgress: (e) => {
        if (e.file) files.set(e.file, { loaded: e.loaded, total: e.total });
        const loaded = [...files.values()].reduce((n, f) => n + f.loaded, 0), total = [...files.values()].reduce((n, f) => n + f.total, 0);
        ($('progress') as HTMLProgressElement).value = total ? loaded / total : 0;
        $('progress-text').textContent = e.status === 'ready' ? 'Models ready' : `Loading ${e.file} (${(loaded / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB)`;
      },
    });
    handle.recognizer = recognizer;
    const { backend, skipped } = recognizer.backend;
    $('backend').textContent = backend;
    $('backend').title = skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('\n') || 'first choice';
    $('backend-skipped').textContent = skipped.length ? `(${skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('; ')})` : '';
    tracker = await FaceTracker.create('/vendor/face-api/', '/vendor/tfjs-wasm/');
    $('face-backend').textContent = `face-api on ${tracker.backend}`;
    $('progress-box').hidden = true;
    ($('start') as HTMLButtonElement).disabled = false;
    ($('send') as HTMLButtonElement).disabled = false;
    document.body.dataset.ready = 'true';
  } catch (error) {
    const text = error instanceof AssetError ? `${error.message}. Reinstall or rebuild the models (see README).` : `EmoLens could not start: ${(error as Error).message}`;
    showMessage(text);
    $('progress-text').textContent = 'Failed';
    document.body.dataset.ready = 'error';
    console.error(error);
  }
}

/** `capturedAt`: when the frame was taken (performance clock), so a face is matched to the turn it was seen in. */
async function onFrame(frame: VideoFrame | ImageBitmap, capturedAt: number): Promise<void> {
  if (!tracker || !recognizer) { frame.close(); return; }
  const seen = await tracker.detect(frame);
  drawBox(seen.box, seen.width, seen.height);
  if (!seen.crop) { $('face-now').textContent = 'No face in view'; return; }
  const [face] = await recognizer.embedFaces([seen.crop]);
  recentFaces.push({ t: capturedAt, face });
  if (recentFaces.length > 200) recentFaces.shift();
  handle.faces++;
  bars($('face-now'), Object.fromEntries(LABELS.map((l, i) => [l, face.probs[i]])) as Probabilities);
}

function drawBox(box: { x: number; y: number; width: number; height: number } | null, width: number, height: number): void {
  const canvas = $('overlay') as HTMLCanvasElement;
  // Resizing reallocates the canvas: only when the frame size changes, not every frame.
  if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, width, height);
  if (!box) return;
  ctx.strokeStyle = '#39f'; ctx.lineWidth = Math.max(2, width / 200);
  ctx.strokeRect(box.x, box.y, box.width, box.height);
}

/** Mean of the face embeddings seen in [from, to] (ms, performance clock); undefined when no face was seen. */
function facesBetween(from: number, to: number): { embedding?: Float32Array; ms?: number } {
  const inTurn = recentFaces.filter((f) => f.t >= from && f.t <= to);
  recentFaces = recentFaces.filter((f) => f.t > to);
  if (!inTurn.length) return {};
  const mean = new Float32Array(inTurn[0].face.embedding.length);
  for (const f of inTurn) f.face.embedding.forEach((v, i) => { mean[i] += v / inTurn.length; });
  return { embedding: mean, ms: inTurn.reduce((n, f) => n + f.face.ms, 0) / inTurn.length };
}

/** Builds one turn from whatever is present (audio segment, faces in its time span, typed text) and fuses it. */
function queueTurn(audio: Float32Array | undefined, startMs: number, endMs: number): void {
  turnQueue = turnQueue.then(async () => {
    if (!recognizer) return;
    const textBox = $('text') as HTMLInputElement;
    // Typed text wins; otherwise a voice turn asks the speech-to-text adapter (typed mode gives none).
    let transcript = textBox.value.trim() || undefined;
    textBox.value = '';
    if (!transcript && audio) {
      transcript = await stt.transcribe({ pcm16k: audio, startMs, endMs }).catch((error: unknown) => {
        showMessage(`Speech-to-text: ${(error as Error).message}`, error instanceof SpeechToTextError && error.recoverable ? 'info' : 'error');
        return undefined;
      });
    }
    const speaker = ($('speaker') as HTMLInputElement).value.trim() || 'Me';
    const [text, voice] = await Promise.all([transcript ? recognizer.embedText(transcript, { speaker }) : undefined, audio ? recognizer.embedAudio(audio) : undefined]);
    const face = facesBetween(startMs - 500, endMs + 100);
    if (!text && !voice && !face.embedding) { showMessage('Nothing to analyse: no speech, no face and no text in this turn.', 'info'); return; }
    const result = await recognizer.addTurn({
      speaker, transcript, text: text?.embedding, audio: voice?.embedding, face: face.embedding, startMs, endMs,
      timings: { textMs: text?.ms, audioMs: voice?.ms, faceMs: face.ms },
    });
    handle.turns.push(result);
    renderTurn(result);
    window.dispatchEvent(new CustomEvent('emolens:turn', { detail: result }));
  }).catch((error) => { showMessage(`Turn failed: ${(error as Error).message}`); console.error(error); });
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
  $('turns').append(li);
}

async function start(): Promise<void> {
  ($('start') as HTMLButtonElement).disabled = true;
  clearMessage();
  try {
    stream = await openMedia({ video: { width: 640, height: 480 }, audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } });
  } catch (error) {
    showMessage(error instanceof MediaAccessError ? error.message : String(error));
    ($('start') as HTMLButtonElement).disabled = false;
    return;
  }
  const video = $('video') as HTMLVideoElement;
  video.srcObject = stream; await video.play().catch(() => {});
  await startSpeechToText(stream);
  let lastCount = 0, lastTime = performance.now();
  camera = await startCameraReader(stream, (frame, capturedAt) => onFrame(frame, capturedAt), { forceFallback: forceCaptureFallback });
  const fpsTimer = setInterval(() => {
    if (!camera) { clearInterval(fpsTimer); return; }
    const now = performance.now();
    $('fps').textContent = `${(((camera.stats.delivered - lastCount) * 1000) / (now - lastTime)).toFixed(1)} fps analysed (${camera.path})`;
    lastCount = camera.stats.delivered; lastTime = now;
  }, 2000);
  if (stream.getAudioTracks().length) {
    const turns = (segmenter = new TurnSegmenter());
    micStart = performance.now();
    let silentSince = performance.now();
    mic = await startMicrophone(stream, (chunk) => {
      for (const turn of turns.push(chunk)) queueTurn(turn.pcm, micStart + turn.startSample / 16, micStart + turn.endSample / 16);
      let peak = 0; for (const v of chunk) peak = Math.max(peak, Math.abs(v));
      if (peak > 0.01) silentSince = performance.now();
      else if (performance.now() - silentSince > 8000) { showMessage('The microphone has been silent for 8 s: check that it is not muted.', 'info'); silentSince = performance.now(); }
    });
  } else {
    showMessage('No microphone: turns come from the text box and the camera only.', 'info');
  }
  handle.running = true;
  $('live-indicator').hidden = false;
  ($('stop') as HTMLButtonElement).disabled = false;
}

async function stop(): Promise<void> {
  // Tracks first: the camera light and the browser's recording indicator go off at once.
  stream?.getTracks().forEach((t) => t.stop());
  stt.stop();
  await camera?.stop(); camera = undefined;
  await mic?.stop(); mic = undefined;
  // A turn still being spoken when Stop is pressed is analysed, not dropped.
  for (const turn of segmenter?.flush() ?? []) queueTurn(turn.pcm, micStart + turn.startSample / 16, micStart + turn.endSample / 16);
  segmenter = undefined;
  handle.running = false;
  $('live-indicator').hidden = true;
  ($('stop') as HTMLButtonElement).disabled = true;
  ($('start') as HTMLButtonElement).disabled = false;
}

/** The adapter the picker names; Web Speech only where the browser has it (it sends audio to the vendor's service). */
async function startSpeechToText(media: MediaStream): Promise<void> {
  const picked = ($('stt') as HTMLSelectElement).value;
  await stt.dispose();
  stt = new TypedTextOnly();
  if (picked === 'web-speech') {
    if (!WebSpeechToText.isSupported()) { showMessage('This browser has no Web Speech API: type the transcript instead.', 'info'); return; }
    stt = new WebSpeechToText({ onError: (e) => showMessage(`Speech-to-text: ${e.message}`, e.recoverable ? 'info' : 'error') });
  }
  await stt.start(media).catch((error: unknown) => { showMessage(`Speech-to-text: ${(error as Error).message}`); });
}

$('start').addEventListener('click', () => { void start(); });
$('stop').addEventListener('click', () => { void stop(); });
$('text-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const now = performance.now();
  if (!($('text') as HTMLInputElement).value.trim()) { showMessage('Type what was said first: empty text adds no turn.', 'info'); return; }
  queueTurn(undefined, now - 3000, now);
});
window.addEventListener('pagehide', () => { void stop(); });
void init();
