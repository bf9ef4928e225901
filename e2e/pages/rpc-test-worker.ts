/// <reference lib="webworker" />
/** A real Worker for e2e/worker-rpc.spec.ts that misbehaves on request: hangs a call, blocks its thread, or crashes. */
import { serveRpc } from '../../src/runtime/worker-rpc-host.ts';

const started = Date.now() + Math.random();

serveRpc({
  echo: (value: unknown) => value,
  /** Which Worker answered (a restart gives a new one). */
  id: () => started,
  /** A promise that never settles: the Worker still answers pings, so only the call timeout can notice. */
  hang: () => new Promise(() => {}),
  /** Blocks the Worker's thread for good: no pings are answered. */
  spin: () => { for (;;) { /* busy */ } },
  /** An uncaught error after answering: the page's Worker gets an `error` event. */
  crash: () => { setTimeout(() => { throw new Error('boom in the worker'); }); return 'answered'; },
});
