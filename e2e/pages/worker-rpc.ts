/**
 * Drives src/runtime/worker-rpc.ts against a real misbehaving Worker (rpc-test-worker.ts) with short timeouts, and
 * reports what the caller saw: each call's outcome, the status events, how many times `init` ran.
 */
import { WorkerClient, WorkerError, type WorkerStatus } from '../../src/runtime/worker-rpc.ts';

type Methods = { echo(v: unknown): unknown; id(): number; hang(): never; spin(): never; crash(): string };

async function outcome(p: Promise<unknown>): Promise<string> {
  try { return `ok:${JSON.stringify(await p)}`; } catch (e) { return `${e instanceof WorkerError ? 'WorkerError' : (e as Error).name}:${(e as Error).message}`; }
}

async function scenario(misbehave: 'hang' | 'spin' | 'crash' | 'terminate' | 'terminate-retry', maxRestarts = 3): Promise<Record<string, unknown>> {
  const statuses: string[] = [];
  let inits = 0;
  const client = await WorkerClient.start<Methods>({
    name: 'test worker',
    spawn: () => new Worker(new URL('./rpc-test-worker.ts', import.meta.url), { type: 'module' }),
    init: async (call) => { inits++; await call('echo', ['init']); },
    onStatus: (s: WorkerStatus) => statuses.push(s.type === 'died' ? `died:${s.reason}` : s.type === 'failed' ? `failed:${s.error.message}` : s.type),
    heartbeatMs: 100, unresponsiveMs: 1000, callTimeoutMs: 1500, maxRestarts, retryAfterRestart: misbehave === 'terminate-retry',
  });
  const firstId = await client.call('id', []);
  const t0 = performance.now();
  let bad: Promise<string>;
  if (misbehave.startsWith('terminate')) { client.current!.terminate(); bad = outcome(client.call('echo', ['lost'])); }
  else bad = outcome(client.call(misbehave as 'hang' | 'spin' | 'crash', []));
  const badOutcome = await bad;
  const detectedMs = performance.now() - t0;
  // The crash comes after its call was answered: wait for the restart it causes before going on.
  while (misbehave === 'crash' && !statuses.includes('restarted') && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
  // Calls made after the death wait for the new Worker.
  const after = await outcome(client.call('echo', ['after']));
  const secondId = await client.call('id', []).catch(() => firstId);
  let second = '';
  if (maxRestarts === 1) {
    // A second death within the minute: restarts have run out, and every later call says so.
    second = await outcome(client.call(misbehave.startsWith('terminate') ? 'hang' : misbehave as 'hang' | 'spin' | 'crash', []));
    second += ` | ${await outcome(client.call('echo', ['late']))}`;
  }
  client.close();
  const closed = await outcome(client.call('echo', ['closed']));
  return { badOutcome, detectedMs, after, restartedWorker: secondId !== firstId, statuses, inits, second, closed };
}

(window as unknown as { rpcScenario: typeof scenario }).rpcScenario = scenario;
document.body.dataset.ready = 'true';
