/**
 * Typed calls to a module Worker, supervised: both of EmoLens's Workers (the inference engine and the face detector)
 * are driven through this one client. A Worker can die without a word (`terminate()`, an out-of-memory kill, a
 * crash in WASM) or stop answering (a promise that never settles), so:
 *   - a heartbeat: the page pings every `heartbeatMs`; no message for `unresponsiveMs` means the Worker is gone;
 *   - each call has a timeout (`callTimeoutMs`): a call that never answers also counts as a dead Worker;
 *   - `error` / `messageerror` events count as death too.
 * On death every pending call is rejected with a `WorkerError` (or, where the owner says calls are safe to repeat,
 * sent again to the new Worker), the status listener hears `died`, and a fresh Worker is started and initialised
 * again by the owner's `init` (which reloads its models and state); calls made meanwhile wait for it. Restarts are limited (`maxRestarts` within a minute), so a Worker that dies at every
 * start fails once, clearly, instead of looping.
 * The other side is `serveRpc` (worker-rpc-host.ts).
 */
import { AssetError } from './assets.ts';

/** What the page sends. A ping is answered at once, ahead of queued calls. */
export type RpcRequest = { kind: 'call'; id: number; method: string; args: unknown[] } | { kind: 'ping'; id: number };

/** What the Worker sends back: a call's result or error, a pong, or an event (e.g. download progress). */
export type RpcReply =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; name: string; message: string; file?: string }
  | { kind: 'pong'; id: number }
  | { kind: 'event'; value: unknown };

/**
 * A Worker died, stopped answering, or could not be started again; `worker` names which one. `kind`: 'died' (the
 * call was pending when the Worker went), 'hung' (this call never answered and the Worker was restarted for it),
 * 'failed' (no Worker will run again), 'closed' (the client was closed).
 */
export class WorkerError extends Error {
  constructor(readonly worker: string, message: string, readonly kind: 'died' | 'hung' | 'failed' | 'closed' = 'died') {
    super(message);
    this.name = 'WorkerError';
  }
}

/** What the status listener hears. */
export type WorkerStatus =
  | { type: 'died'; worker: string; reason: string }
  | { type: 'restarted'; worker: string }
  | { type: 'failed'; worker: string; error: Error };

export interface WorkerClientOptions<Methods> {
  /** Shown in messages: "the inference worker", "the face worker". */
  name: string;
  /** Starts a new Worker (the first one and every restart). */
  spawn: () => Worker;
  /**
   * Loads the Worker's models and state; runs after every start, and its calls (through `call`) go first: other
   * calls wait until it is done. A failure here fails the start.
   */
  init: (call: WorkerClient<Methods>['call']) => Promise<void>;
  /** Events the Worker sends (e.g. progress). */
  onEvent?: (value: unknown) => void;
  /** Death, restart and failure. */
  onStatus?: (status: WorkerStatus) => void;
  /** Ping interval. Default 1000 ms. */
  heartbeatMs?: number;
  /** Silence after which a running Worker counts as dead. Default 15 s. */
  unresponsiveMs?: number;
  /** The same while `init` runs (model loading and shader compilation can block the Worker's thread). Default 120 s. */
  initUnresponsiveMs?: number;
  /** Longest a call may take before the Worker counts as hung. Default 120 s; `init` calls get 300 s. */
  callTimeoutMs?: number;
  /** Restarts allowed within one minute before the client gives up. Default 3. */
  maxRestarts?: number;
  /**
   * Send a call that was pending when the Worker died once more, to the restarted Worker (not the call that hung,
   * nor one that transferred something: that is gone with the old Worker). Only for Workers whose calls are safe to
   * repeat, as the inference engine's are (its conversation is restored from the page's copy). Default false.
   */
  retryAfterRestart?: boolean;
}

type Fn = (...args: never[]) => unknown;
type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> };

function rebuildError(reply: Extract<RpcReply, { kind: 'error' }>): Error {
  const error = new Error(reply.message);
  error.name = reply.name;
  // An AssetError stays one (instanceof works, and it still names its file).
  if (reply.name === 'AssetError') Object.setPrototypeOf(Object.assign(error, { file: reply.file }), AssetError.prototype);
  return error;
}

export class WorkerClient<Methods> {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private heartbeat?: ReturnType<typeof setInterval>;
  private lastSeen = 0;
  private pingOut = false;
  private initializing = false;
  /** Resolves when the current Worker is started and initialised; calls wait on it. */
  private ready: Promise<void> = Promise.resolve();
  private readonly restarts: number[] = [];
  private failed?: Error;
  private closed = false;
  private readonly o: Required<Omit<WorkerClientOptions<Methods>, 'onEvent' | 'onStatus'>> & Pick<WorkerClientOptions<Methods>, 'onEvent' | 'onStatus'>;

  private constructor(options: WorkerClientOptions<Methods>) {
    this.o = { heartbeatMs: 1000, unresponsiveMs: 15_000, initUnresponsiveMs: 120_000, callTimeoutMs: 120_000, maxRestarts: 3, retryAfterRestart: false, ...options };
  }

  /** Starts the Worker and runs `init`; rejects (and ends the Worker) if that fails. */
  static async start<M>(options: WorkerClientOptions<M>): Promise<WorkerClient<M>> {
    const client = new WorkerClient(options);
    client.ready = client.boot();
    try { await client.ready; } catch (error) { client.close(); throw error; }
    return client;
  }

  /** The Worker now running (tests end it to check the supervision). */
  get current(): Worker | undefined { return this.worker; }

  private async boot(): Promise<void> {
    const worker = this.o.spawn();
    this.worker = worker;
    this.lastSeen = performance.now();
    this.pingOut = false;
    worker.onmessage = (event: MessageEvent<RpcReply>) => { if (worker === this.worker) this.receive(event.data); };
    worker.onerror = (event) => { event.preventDefault?.(); if (worker === this.worker) this.die(`it failed: ${event.message || 'a script error, or it could not start'}`); };
    worker.onmessageerror = () => { if (worker === this.worker) this.die('it sent a message that could not be read'); };
    this.heartbeat ??= setInterval(() => this.beat(), this.o.heartbeatMs);
    this.initializing = true;
    try {
      await this.o.init(((method: string, args: unknown[], transfer: Transferable[] = []) => this.post(method, args, transfer)) as WorkerClient<Methods>['call']);
    } finally { this.initializing = false; }
  }

  private receive(reply: RpcReply): void {
    this.lastSeen = performance.now();
    if (reply.kind === 'pong') { this.pingOut = false; return; }
    if (reply.kind === 'event') { this.o.onEvent?.(reply.value); return; }
    const call = this.pending.get(reply.id);
    if (!call) return;
    this.pending.delete(reply.id);
    clearTimeout(call.timer);
    if (reply.kind === 'result') call.resolve(reply.value);
    else call.reject(rebuildError(reply));
  }

  private beat(): void {
    if (!this.worker) return;
    const silentMs = performance.now() - this.lastSeen;
    const limit = this.initializing ? this.o.initUnresponsiveMs : this.o.unresponsiveMs;
    if (this.pingOut && silentMs > limit) { this.die(`it did not answer for ${(silentMs / 1000).toFixed(0)} s`); return; }
    if (!this.pingOut) {
      this.pingOut = true;
      const ping: RpcRequest = { kind: 'ping', id: 0 };
      this.worker.postMessage(ping);
    }
  }

  /**
   * Calls `method` in the Worker. `transfer` moves buffers or frames instead of copying them. Waits for a restart
   * in progress; rejects with a WorkerError when the Worker dies during the call.
   */
  async call<K extends keyof Methods & string>(method: K, args: Methods[K] extends Fn ? Parameters<Methods[K]> : never, transfer: Transferable[] = []): Promise<Methods[K] extends Fn ? Awaited<ReturnType<Methods[K]>> : never> {
    if (this.closed) throw new WorkerError(this.o.name, `${this.o.name} was closed`, 'closed');
    await this.ready;
    if (this.failed) throw this.failed;
    try {
      return await this.post(method, args as unknown[], transfer) as never;
    } catch (error) {
      if (!(error instanceof WorkerError) || error.kind !== 'died' || !this.o.retryAfterRestart || transfer.length) throw error;
      await this.ready;
      if (this.failed) throw this.failed;
      return await this.post(method, args as unknown[], transfer) as never;
    }
  }

  private post(method: string, args: unknown[], transfer: Transferable[]): Promise<unknown> {
    const worker = this.worker;
    if (!worker || this.closed) return Promise.reject(new WorkerError(this.o.name, `${this.o.name} is not running`, this.closed ? 'closed' : 'died'));
    const id = this.nextId++;
    const timeoutMs = this.initializing ? Math.max(this.o.callTimeoutMs, 300_000) : this.o.callTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { if (this.pending.has(id)) this.die(`its "${method}" call took longer than ${timeoutMs / 1000} s`, id); }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const request: RpcRequest = { kind: 'call', id, method, args };
      try { worker.postMessage(request, transfer); } catch (error) {
        this.pending.delete(id); clearTimeout(timer); reject(error as Error);
      }
    });
  }

  /** The Worker is gone: reject what waits, tell the owner, start a new one (unless restarts ran out). */
  private die(reason: string, hungCall?: number): void {
    if (this.closed || !this.worker) return;
    const dead = this.worker;
    this.worker = undefined;
    dead.onmessage = null; dead.onerror = null; dead.onmessageerror = null;
    dead.terminate();
    const now = performance.now();
    while (this.restarts.length && now - this.restarts[0] > 60_000) this.restarts.shift();
    const giveUp = this.restarts.length >= this.o.maxRestarts;
    // A death during init fails that start (the owner's init call is rejected here): no restart from inside it.
    const wasInitializing = this.initializing;
    this.initializing = false;
    const message = `The ${this.o.name} stopped: ${reason}.${giveUp || wasInitializing ? '' : ' Restarting it.'}`;
    const hung = hungCall === undefined ? undefined : this.pending.get(hungCall);
    if (hung) { this.pending.delete(hungCall!); clearTimeout(hung.timer); hung.reject(new WorkerError(this.o.name, message, 'hung')); }
    this.rejectAll(new WorkerError(this.o.name, message, giveUp || wasInitializing ? 'failed' : 'died'));
    this.o.onStatus?.({ type: 'died', worker: this.o.name, reason });
    if (giveUp) {
      this.fail(new WorkerError(this.o.name, `The ${this.o.name} stopped ${this.o.maxRestarts + 1} times within a minute (last: ${reason}); it was not started again`, 'failed'));
      return;
    }
    this.restarts.push(now);
    if (wasInitializing) return;
    this.ready = this.boot().then(
      () => this.o.onStatus?.({ type: 'restarted', worker: this.o.name }),
      (cause: unknown) => this.fail(new WorkerError(this.o.name, `The ${this.o.name} could not be started again: ${(cause as Error)?.message ?? String(cause)}`, 'failed')),
    );
  }

  private fail(error: WorkerError): void {
    this.failed = error;
    this.stopWorker();
    this.rejectAll(error);
    this.o.onStatus?.({ type: 'failed', worker: this.o.name, error });
  }

  private rejectAll(error: Error): void {
    for (const call of this.pending.values()) { clearTimeout(call.timer); call.reject(error); }
    this.pending.clear();
  }

  private stopWorker(): void {
    clearInterval(this.heartbeat); this.heartbeat = undefined;
    this.worker?.terminate(); this.worker = undefined;
  }

  /** Ends the Worker; calls still waiting fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWorker();
    this.rejectAll(new WorkerError(this.o.name, `${this.o.name} was closed`, 'closed'));
  }
}
