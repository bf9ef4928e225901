/// <reference lib="webworker" />
/**
 * The Worker's side of worker-rpc.ts: answers pings at once (so a long queue of calls never looks like a dead
 * Worker), runs calls one after another in the order they came (a conversation is causal: a turn must never
 * overtake the one before it), and sends results back with their Float32Array buffers transferred, not copied.
 * Another Worker can be served too, over a MessagePort (`servePort`): the face Worker sends its crops to the
 * inference Worker this way, without a stop on the page.
 */
import { AssetError } from './assets.ts';
import type { RpcReply, RpcRequest } from './worker-rpc.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(reply: RpcReply, transfer: Transferable[] = []): void {
  scope.postMessage(reply, transfer);
}

/** The buffers of every Float32Array in a result, so postMessage moves them instead of copying. */
function buffersOf(value: unknown, out: Transferable[] = []): Transferable[] {
  if (value instanceof Float32Array) { if (!out.includes(value.buffer as ArrayBuffer)) out.push(value.buffer as ArrayBuffer); }
  else if (Array.isArray(value)) value.forEach((v) => buffersOf(v, out));
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach((v) => buffersOf(v, out));
  return out;
}

/** Sends an event to the page (the client's `onEvent`). */
export function notifyPage(value: unknown): void {
  post({ kind: 'event', value });
}

type Methods = Record<string, (...args: never[]) => unknown>;

/** One queue for every caller (the page and any Worker linked by a MessagePort): calls never overtake each other. */
let queue: Promise<void> = Promise.resolve();

async function answer(methods: Methods, request: Extract<RpcRequest, { kind: 'call' }>, reply: (r: RpcReply, transfer?: Transferable[]) => void): Promise<void> {
  const { id, method, args } = request;
  try {
    const handler = Object.hasOwn(methods, method) ? methods[method] as (...a: unknown[]) => unknown : undefined;
    if (!handler) throw new Error(`Unknown worker method "${String(method)}"`);
    const value = await handler(...args);
    reply({ kind: 'result', id, value }, buffersOf(value));
  } catch (error) {
    const e = error as Error;
    reply({ kind: 'error', id, name: e?.name ?? 'Error', message: e?.message ?? String(error), file: error instanceof AssetError ? error.file : undefined });
  }
}

/**
 * Serves `methods` to the page. Methods named in `immediate` skip the queue (they only rewire the Worker and must
 * not wait behind a call that may itself be waiting on them).
 */
export function serveRpc(methods: Methods, immediate: readonly string[] = []): void {
  scope.onmessage = (event: MessageEvent<RpcRequest>) => {
    const request = event.data;
    if (request.kind === 'ping') { post({ kind: 'pong', id: request.id }); return; }
    if (immediate.includes(request.method)) { void answer(methods, request, post); return; }
    queue = queue.then(() => answer(methods, request, post));
  };
}

/**
 * Serves `methods` to another Worker over `port` (a MessageChannel the page made), in the same queue as the page's
 * calls. Returns a function that stops serving and closes the port.
 */
export function servePort(port: MessagePort, methods: Methods): () => void {
  port.onmessage = (event: MessageEvent<RpcRequest>) => {
    const request = event.data;
    if (request.kind !== 'call') return;
    queue = queue.then(() => answer(methods, request, (reply, transfer = []) => port.postMessage(reply, transfer)));
  };
  return () => { port.onmessage = null; port.close(); };
}
