/**
 * Worker supervision (src/runtime/worker-rpc.ts) against a real Worker in Chromium that misbehaves on purpose, with
 * short timeouts: a call that never answers, a thread that blocks, an uncaught error, and `terminate()`. Each is
 * noticed, rejects the call with a WorkerError that says why, restarts the Worker (init runs again), and later
 * calls are answered by the new Worker; a Worker that keeps dying is given up on with a clear error.
 */
import { expect, test } from '@playwright/test';

const PAGE = 'http://127.0.0.1:5173/e2e/pages/worker-rpc.html';

test('a hung call, a blocked thread, a crash and terminate() are each noticed, rejected and recovered from', async ({ page }) => {
  await page.goto(PAGE);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const run = (misbehave: string, maxRestarts?: number) => page.evaluate(([m, r]) => (window as any).rpcScenario(m, r), [misbehave, maxRestarts] as const);

  const hang = await run('hang');
  expect(hang.badOutcome).toMatch(/^WorkerError:The test worker stopped: its "hang" call took longer than 1.5 s/);
  expect(hang.statuses).toEqual([expect.stringMatching(/^died:its "hang" call took longer/), 'restarted']);

  const spin = await run('spin');
  expect(spin.badOutcome).toMatch(/^WorkerError:The test worker stopped: it did not answer for [1-3] s/);
  expect(spin.detectedMs).toBeLessThan(4000);

  const crash = await run('crash');
  expect(crash.badOutcome).toBe('ok:"answered"');
  expect(crash.statuses[0]).toMatch(/^died:it failed: .*boom in the worker/);

  const terminated = await run('terminate');
  expect(terminated.badOutcome).toMatch(/^WorkerError:.*did not answer/);
  // Where calls are safe to repeat, the one pending at the death is sent again to the new Worker.
  const retried = await run('terminate-retry');
  expect(retried.badOutcome).toBe('ok:"lost"');

  for (const r of [hang, spin, crash, terminated, retried]) {
    expect(r.after, 'a call after the death is answered by the new Worker').toBe('ok:"after"');
    expect(r.restartedWorker).toBe(true);
    expect(r.inits, 'init ran for the first Worker and for the restart').toBe(2);
    expect(r.statuses.at(-1)).toBe('restarted');
    expect(r.closed).toMatch(/^WorkerError:test worker was closed/);
  }

  // Restarts run out: one allowed per minute, the second death ends it, and every later call says why.
  const limited = await run('hang', 1);
  expect(limited.second).toMatch(/^WorkerError:The test worker stopped: its "hang" call.* \| WorkerError:The test worker stopped 2 times within a minute .*not started again/);
  expect(limited.statuses.at(-1)).toMatch(/^failed:The test worker stopped 2 times within a minute/);
});
