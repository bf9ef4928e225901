/// <reference lib="webworker" />
/**
 * The Worker's side of worker-rpc.ts: answers pings at once (so a long queue of calls never looks like a dead
 * Worker), runs calls one after another in the order they came (a conversation is causal: a turn must never
 * overtake the one before it), and sends results back with their Float32Array buffers transferred, not copied.
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

/** Serves `methods` to the page. */
export function serveRpc(methods: Record<string, (...args: never[]) => unknown>): void {
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (event: MessageEvent<RpcRequest>) => {
    const request = event.data;
    if (request.kind === 'ping') { post({ kind: 'pong', id: request.id }); return; }
    const { id, method, args } = request;
    queue = queue.then(async () => {
      try {
        const handler = Object.hasOwn(methods, method) ? methods[method] as (...a: unknown[]) => unknown : undefined;
        if (!handler) throw new Error(`Unknown worker method "${String(method)}"`);
        const value = await handler(...args);
        post({ kind: 'result', id, value }, buffersOf(value));
      } catch (error) {
        const e = error as Error;
        post({ kind: 'error', id, name: e?.name ?? 'Error', message: e?.message ?? String(error), file: error instanceof AssetError ? error.file : undefined });
      }
    });
  };
}
