/**
 * `<emolens-recognizer>`: the drop-in widget. One script tag (`dist/lib/emolens-widget.js`) defines it; the
 * models load when the element is added to the page (progress shown); camera and microphone open only when the
 * user presses its Start button (or the page calls `start()` inside a click handler), with a visible live
 * indicator; the tracks stop on `stop()`, when the element is removed, and when the page is hidden.
 *
 * Attributes (reflected): modalities="text audio face", backend, smoothing, models (models base URL),
 * vendor (runtimes base URL), mode="full|compact", speaker.
 * Properties: `recognizer`, `lastResult`, `lastFrame`, `turns`, `state`, `tracks`. Method `export('json' | 'csv')`:
 * the turns so far in the session export schema (src/session/export.ts).
 * Events: ready, progress, emotion (per analysed frame), utterance (per turn), error, permissionchange.
 * Theming: CSS custom properties --emolens-accent, --emolens-bg, --emolens-fg, --emolens-muted, --emolens-font,
 * --emolens-radius; parts: panel, status, indicator, button, label, bars, text-input, turns.
 */
import { createRecognizer, LABELS, openMedia, MediaAccessError, sessionToCsv, sessionToJson, type EmoLensRecognizer, type EmoLensSession, type EmotionResult, type FrameEmotion, type Modality, type Probabilities } from '../index.ts';
import type { ProgressEvent as AssetProgress } from '../runtime/assets.ts';
import { isBackendName } from '../runtime/backend-names.ts';
import { argmax } from '../session/smoothing.ts';
import { DEFAULT_SPEAKER } from '../session/turn.ts';

export type WidgetState = 'idle' | 'loading' | 'ready' | 'live' | 'error';

/** The widget's events and their `detail`. */
export interface EmoLensWidgetEventMap {
  ready: CustomEvent<{ backend: string }>;
  progress: CustomEvent<AssetProgress>;
  emotion: CustomEvent<FrameEmotion>;
  utterance: CustomEvent<EmotionResult>;
  error: CustomEvent<{ message: string; kind: string }>;
  permissionchange: CustomEvent<{ state: 'granted' | 'denied' | 'prompt'; reason?: string }>;
}

const MODALITY_NAMES: readonly Modality[] = ['text', 'audio', 'face'];

/** Folder of this module: a script tag needs no configuration, models and runtimes sit beside it. */
const HERE = new URL(/* @vite-ignore */ './', import.meta.url).href;

const STYLE = `
:host { display: block; font-family: var(--emolens-font, system-ui, sans-serif); color: var(--emolens-fg, #1b1f24);
  --accent: var(--emolens-accent, #2f6fed); }
[part=panel] { background: var(--emolens-bg, #fff); border: 1px solid var(--emolens-muted, #d0d7de); border-radius: var(--emolens-radius, 10px); padding: 12px; display: grid; gap: 8px; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
[part=status] { color: var(--emolens-muted, #57606a); font-size: 0.85em; }
[part=indicator] { display: inline-flex; align-items: center; gap: 4px; color: #c62828; font-weight: 600; font-size: 0.85em; }
[part=indicator]::before { content: ''; width: 10px; height: 10px; border-radius: 50%; background: #e53935; animation: pulse 1.2s infinite; }
@keyframes pulse { 50% { opacity: 0.35; } }
[part=button] { background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: 6px 14px; font: inherit; cursor: pointer; }
[part=button]:disabled { opacity: 0.5; cursor: default; }
[part=label] { font-size: 1.3em; font-weight: 600; text-transform: capitalize; }
[part=bars] { display: grid; grid-template-columns: max-content 1fr 3em; gap: 2px 6px; font-size: 0.8em; }
.bar { background: #eef1f4; border-radius: 3px; height: 0.8em; align-self: center; }
.bar i { display: block; height: 100%; background: var(--accent); border-radius: 3px; }
[part=text-input] { flex: 1; min-width: 10em; font: inherit; padding: 4px 6px; }
[part=turns] { margin: 0; padding-left: 1.2em; font-size: 0.85em; max-height: 12em; overflow: auto; }
:host([mode=compact]) .full { display: none; }
[hidden] { display: none !important; }
progress { width: 100%; }
`;

/**
 * Where there is no DOM (Node, server-side rendering), importing this module must not throw: the class then extends
 * a stand-in and no element is defined; in a browser it is a real custom element.
 */
const ElementBase: typeof HTMLElement = typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

export class EmoLensRecognizerElement extends ElementBase {
  static readonly observedAttributes = ['modalities', 'backend', 'smoothing', 'models', 'vendor', 'mode', 'speaker'];

  /** The loaded recognizer (undefined until `ready`). */
  recognizer?: EmoLensRecognizer;
  /** The latest turn result and the latest analysed frame. */
  lastResult?: EmotionResult;
  lastFrame?: FrameEmotion;
  /** Every turn since the last start. */
  readonly turns: EmotionResult[] = [];

  private stateValue: WidgetState = 'idle';
  private loading?: Promise<void>;
  private stream?: MediaStream;
  private session?: EmoLensSession;
  private readonly root: ShadowRoot;
  private readonly ui: Record<'status' | 'progress' | 'indicator' | 'button' | 'label' | 'bars' | 'text' | 'send' | 'turns', HTMLElement>;
  private readonly onVisibility = (): void => { if (document.visibilityState === 'hidden' && this.stream) void this.stop(); };

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    this.root.innerHTML = `<style>${STYLE}</style>
      <div part="panel">
        <div class="row"><button part="button" type="button" disabled>Start</button><span part="indicator" hidden>Live</span><span part="status">Not loaded</span></div>
        <progress max="1" value="0" hidden></progress>
        <div class="row"><span part="label">–</span><span class="confidence"></span></div>
        <div part="bars" class="full"></div>
        <div class="row full"><input part="text-input" type="text" placeholder="What was said (optional)" disabled><button part="button" class="send" type="button" disabled>Send</button></div>
        <ol part="turns" class="full"></ol>
        <small class="full" part="status">Expression estimates, computed on this device; nothing is uploaded.</small>
      </div>`;
    const q = <T extends HTMLElement>(s: string): T => this.root.querySelector(s) as T;
    this.ui = {
      status: q('[part=status]'), progress: q('progress'), indicator: q('[part=indicator]'), button: q('[part=button]'), label: q('[part=label]'),
      bars: q('[part=bars]'), text: q('[part=text-input]'), send: q('.send'), turns: q('[part=turns]'),
    };
    this.ui.button.addEventListener('click', () => { void (this.stream ? this.stop() : this.start()); });
    this.ui.send.addEventListener('click', () => this.sendTyped());
    this.ui.text.addEventListener('keydown', (e) => { if ((e as KeyboardEvent).key === 'Enter') this.sendTyped(); });
  }

  /** The camera and microphone tracks while live (empty otherwise); all are stopped by stop() and on removal. */
  get tracks(): MediaStreamTrack[] { return this.stream?.getTracks() ?? []; }

  /** idle → loading → ready ⇄ live; error when loading fails. Reflected as the `data-state` attribute. */
  get state(): WidgetState { return this.stateValue; }
  private setState(state: WidgetState, status: string): void {
    this.stateValue = state;
    this.dataset.state = state;
    this.ui.status.textContent = status;
    this.ui.indicator.hidden = state !== 'live';
    this.ui.button.textContent = state === 'live' ? 'Stop' : 'Start';
    (this.ui.button as HTMLButtonElement).disabled = state !== 'ready' && state !== 'live';
    (this.ui.text as HTMLInputElement).disabled = (this.ui.send as HTMLButtonElement).disabled = !(state === 'ready' || state === 'live') || !this.modalities.text;
  }

  // Reflected attributes as typed properties.
  get modalities(): Record<Modality, boolean> {
    const list = (this.getAttribute('modalities') ?? 'text audio face').toLowerCase().split(/[\s,]+/).filter(Boolean);
    return Object.fromEntries(MODALITY_NAMES.map((m) => [m, list.includes(m)])) as Record<Modality, boolean>;
  }
  set modalities(value: Record<Modality, boolean>) { this.setAttribute('modalities', MODALITY_NAMES.filter((m) => value[m]).join(' ')); }
  get smoothing(): number { return Number(this.getAttribute('smoothing') ?? 0); }
  set smoothing(value: number) { this.setAttribute('smoothing', String(value)); }
  get backend(): string | null { return this.getAttribute('backend'); }
  set backend(value: string | null) { if (value) this.setAttribute('backend', value); else this.removeAttribute('backend'); }
  get mode(): 'full' | 'compact' { return this.getAttribute('mode') === 'compact' ? 'compact' : 'full'; }
  set mode(value: 'full' | 'compact') { this.setAttribute('mode', value); }
  get speaker(): string { return this.getAttribute('speaker') || DEFAULT_SPEAKER; }
  set speaker(value: string) { this.setAttribute('speaker', value); }

  connectedCallback(): void {
    document.addEventListener('visibilitychange', this.onVisibility);
    void this.load();
  }

  disconnectedCallback(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    // Removing the element must turn the camera light off at once; the models stay for a re-insert until dispose().
    void this.stop();
  }

  attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    if (old === value || !this.recognizer) return;
    try {
      if (name === 'smoothing' || name === 'modalities' || name === 'speaker') {
        this.recognizer.setOptions({ smoothing: this.smoothing, modalities: this.modalities, speaker: this.speaker });
        this.setState(this.stateValue, this.ui.status.textContent ?? '');
      } else if (name === 'backend' || name === 'models' || name === 'vendor') {
        // These pick the models themselves: load again.
        void this.reload();
      }
    } catch (error) { this.fail(error, 'options'); }
  }

  private emit<K extends keyof EmoLensWidgetEventMap>(type: K, detail: EmoLensWidgetEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  private fail(error: unknown, kind: string): void {
    const message = (error as Error)?.message ?? String(error);
    this.emit('error', { message, kind: error instanceof MediaAccessError ? error.kind : kind });
    this.ui.status.textContent = message;
  }

  /** Loads the models (once; `ready` fires when done). Called on connect. */
  load(): Promise<void> {
    this.loading ??= this.doLoad();
    return this.loading;
  }

  private async reload(): Promise<void> {
    await this.stop();
    this.loadGeneration++;
    await this.recognizer?.dispose();
    this.recognizer = undefined;
    this.loading = undefined;
    await this.load();
  }

  /** Bumped by reload() and dispose(): a load that finishes after either is thrown away, not kept. */
  private loadGeneration = 0;

  private async doLoad(): Promise<void> {
    const generation = this.loadGeneration;
    const backend = this.backend;
    this.setState('loading', 'Loading models…');
    const files = new Map<string, { loaded: number; total: number }>();
    const progress = this.ui.progress as HTMLProgressElement;
    progress.hidden = false;
    try {
      if (backend && !isBackendName(backend)) throw new TypeError(`Unknown backend "${backend}": use webgpu, webgl, wasm or cpu`);
      const recognizer = await createRecognizer({
        modelsBaseUrl: this.getAttribute('models') ?? new URL('models/', HERE).href,
        vendorBaseUrl: this.getAttribute('vendor') ?? new URL('vendor/', HERE).href,
        backend: backend && isBackendName(backend) ? backend : undefined,
        smoothing: this.smoothing, modalities: this.modalities, speaker: this.speaker,
        onProgress: (event) => {
          if (event.file) files.set(event.file, { loaded: event.loaded, total: event.total });
          const loaded = [...files.values()].reduce((n, f) => n + f.loaded, 0), total = [...files.values()].reduce((n, f) => n + f.total, 0);
          progress.value = total ? loaded / total : 0;
          this.emit('progress', event);
        },
      });
      if (generation !== this.loadGeneration) { await recognizer.dispose(); return; }
      this.recognizer = recognizer;
      // A Worker that died and was restarted: said in the status line and as an `error` event (kind = the code).
      recognizer.on('notice', (n) => {
        if (this.session) return; // a live session reports it as its own notice (below)
        if (n.kind === 'error') this.fail(new Error(n.text), n.code ?? 'worker'); else this.ui.status.textContent = n.text;
      });
      progress.hidden = true;
      this.setState('ready', `Ready (${this.recognizer.backend.backend})`);
      this.emit('ready', { backend: this.recognizer.backend.backend });
    } catch (error) {
      progress.hidden = true;
      this.setState('error', 'Could not load');
      this.fail(error, 'load');
    }
  }

  /**
   * Opens the camera and microphone (the enabled ones) and starts analysing. Browsers only grant this inside a
   * user gesture: call it from a click handler, or let the user press the widget's Start button.
   */
  /** The turns so far as a session export (schema `emolens-session` v1), JSON or CSV. */
  export(format: 'json' | 'csv' = 'json'): string {
    if (format !== 'json' && format !== 'csv') throw new TypeError(`export: format must be 'json' or 'csv', got ${JSON.stringify(format)}`);
    return format === 'json' ? sessionToJson(this.turns) : sessionToCsv(this.turns);
  }

  async start(): Promise<void> {
    if (this.stream || this.starting) return;
    // Checked first: the gesture's activation is transient and must not be spent waiting for the models.
    const activation = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation;
    if (activation && !activation.isActive) {
      this.fail(new Error('start() needs a user gesture (a click or key press): call it from an event handler'), 'gesture');
      return;
    }
    // A stop(), a removal or a hidden page while the permission prompt or the session start is pending cancels
    // this start: whatever it opened is closed again (the camera never stays on behind the user's back).
    const token = ++this.startToken;
    const cancelled = (): boolean => token !== this.startToken || !this.isConnected || document.visibilityState === 'hidden';
    this.starting = true;
    (this.ui.button as HTMLButtonElement).disabled = true;
    try {
      await this.load();
      const recognizer = this.recognizer;
      if (!recognizer || this.stateValue !== 'ready' || cancelled()) return;
      // The microphone serves audio (text needs a speech-to-text adapter, which the widget does not pick for you).
      const m = this.modalities;
      if (!m.audio && !m.face) { this.fail(new Error('Nothing to capture: modalities has neither audio nor face (type into the text box instead)'), 'options'); return; }
      let stream: MediaStream;
      try {
        stream = await openMedia({ video: m.face ? { width: 640, height: 480 } : false, audio: m.audio ? { channelCount: 1, echoCancellation: true, noiseSuppression: true } : false });
      } catch (error) {
        const denied = error instanceof MediaAccessError && error.kind === 'denied';
        if (denied) this.emit('permissionchange', { state: 'denied', reason: (error as Error).message });
        this.fail(error, 'media');
        return;
      }
      if (cancelled()) { stream.getTracks().forEach((t) => t.stop()); return; }
      this.stream = stream;
      this.emit('permissionchange', { state: 'granted' });
      this.turns.length = 0;
      this.ui.turns.replaceChildren();
      let session: EmoLensSession;
      try {
        session = await recognizer.startSession(stream, { speaker: () => this.speaker });
      } catch (error) {
        this.stopTracks();
        this.fail(error, 'session');
        return;
      }
      if (cancelled()) { await session.stop(); this.stopTracks(); return; }
      this.session = session;
      this.attach(session);
    } finally {
      this.starting = false;
      this.setState(this.stateValue, this.ui.status.textContent ?? '');
    }
  }

  private startToken = 0;
  private starting = false;

  private attach(session: EmoLensSession): void {
    session.on('frame', (f) => {
      this.lastFrame = f;
      if (f.probabilities) this.show(f.probabilities);
      this.emit('emotion', f);
    });
    session.on('turn', (r) => {
      this.lastResult = r; this.turns.push(r);
      this.show(r.probabilities);
      const item = document.createElement('li');
      item.textContent = `${r.speaker}: ${r.label} (${Math.round(r.confidence * 100)}%)${r.transcript ? ` — “${r.transcript}”` : ''}`;
      this.ui.turns.append(item);
      this.emit('utterance', r);
    });
    session.on('notice', (n) => { if (n.kind === 'error') this.fail(new Error(n.text), n.code ?? 'session'); else this.ui.status.textContent = n.text; });
    // A camera or microphone that ends mid-session is reported (notice above); when none is left, the session has
    // stopped itself and the widget is ready to start again.
    session.on('end', () => {
      if (this.session !== session) return;
      this.session = undefined;
      this.stopTracks();
      this.setState('ready', 'Stopped: the camera and microphone ended. Press Start to open them again.');
    });
    this.setState('live', 'Live: analysing on this device');
  }

  private sendTyped(): void {
    const input = this.ui.text as HTMLInputElement;
    const text = input.value.trim();
    if (!text || !this.recognizer) return;
    input.value = '';
    if (this.session) { this.session.addTypedTurn(text); return; }
    this.recognizer.analyzeText(text, { speaker: this.speaker }).then((r) => {
      this.lastResult = r; this.turns.push(r); this.show(r.probabilities);
      this.emit('utterance', r);
    }, (error) => this.fail(error, 'text'));
  }

  private show(p: Probabilities): void {
    const { label, confidence } = argmax(p);
    this.ui.label.textContent = label;
    (this.root.querySelector('.confidence') as HTMLElement).textContent = `${Math.round(confidence * 100)}%`;
    this.ui.bars.replaceChildren(...LABELS.flatMap((l) => {
      const name = document.createElement('span'); name.textContent = l;
      const bar = document.createElement('span'); bar.className = 'bar';
      const fill = document.createElement('i'); fill.style.width = `${(p[l] * 100).toFixed(1)}%`; bar.append(fill);
      const value = document.createElement('span'); value.textContent = `${Math.round(p[l] * 100)}%`;
      return [name, bar, value];
    }));
  }

  private stopTracks(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
  }

  /** Stops the camera and microphone (at once) and the analysis (a turn being spoken is finished first). */
  async stop(): Promise<void> {
    this.startToken++; // cancels a start() still waiting for permission or for the session
    if (!this.stream && !this.session) return;
    this.stopTracks();
    const session = this.session;
    this.session = undefined;
    if (this.stateValue === 'live') this.setState('ready', 'Stopped');
    await session?.stop();
  }

  /** Stops, frees the models and ends the workers. The element can load again when re-inserted. */
  async dispose(): Promise<void> {
    await this.stop();
    this.loadGeneration++;
    await this.recognizer?.dispose();
    this.recognizer = undefined;
    this.loading = undefined;
    this.setState('idle', 'Disposed');
  }
}

declare global {
  interface HTMLElementTagNameMap { 'emolens-recognizer': EmoLensRecognizerElement }
}

if (typeof customElements !== 'undefined' && !customElements.get('emolens-recognizer')) customElements.define('emolens-recognizer', EmoLensRecognizerElement);
