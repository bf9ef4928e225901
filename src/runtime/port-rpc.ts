/**
 * Calls from one Worker to another over a MessagePort (the other side is `servePort` in worker-rpc-host.ts), with
 * the same messages as the page's worker-rpc.ts. Supervision stays with the page: it owns both Workers, sees them
 * die and restart, and re-links them with a fresh channel. So this client only needs to never leave a caller
 * waiting: a call times out, and `close()` (the page unlinked or re-linked) fails whatever is still waiting. A
 * failed call means "take the slower road through the page", never a lost frame.
 */
import type { RpcReply, RpcRequest } from './worker-rpc.ts';

type Fn = (...args: never[]) => unknown;

export class PortClient<Methods> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private closed = false;

  constructor(private readonly port: MessagePort, private readonly name: string, private readonly timeoutMs: number) {
    port.onmessage = (event: MessageEvent<RpcReply>) => {
      const reply = event.data;
      if (reply.kind !== 'result' && reply.kind !== 'error') return;
      const call = this.pending.get(reply.id);
      if (!call) return;
      this.pending.delete(reply.id);
      clearTimeout(call.timer);
      if (reply.kind === 'result') call.resolve(reply.value);
      else call.reject(Object.assign(new Error(reply.message), { name: reply.name }));
    };
  }

  call<K extends keyof Methods & string>(method: K, args: Methods[K] extends Fn ? Parameters<Methods[K]> : never, transfer: Transferable[] = []): Promise<Methods[K] extends Fn ? Awaited<ReturnType<Methods[K]>> : never> {
    if (this.closed) return Promise.reject(new Error(`the link to the ${this.name} is closed`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new Error(`the ${this.name} did not answer "${method}" within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const request: RpcRequest = { kind: 'call', id, method, args: args as unknown[] };
      this.port.postMessage(request, transfer);
    });
  }

  /** Fails every waiting call and closes the port. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.pending.values()) { clearTimeout(call.timer); call.reject(new Error(`the link to the ${this.name} was closed`)); }
    this.pending.clear();
    this.port.onmessage = null;
    this.port.close();
  }
}
