/**
 * What the benchmark and the soak share: `vite preview` of dist/ on a port of their own (stopped when the process
 * exits), and the Chromium to drive (Debian's, or CHROMIUM_PATH; Playwright's own elsewhere).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

/** Serves dist/ on 127.0.0.1:`port` until `stop()` or this process's exit; resolves once it answers. */
export async function servePreview(port: string, who: string): Promise<{ base: string; stop: () => void }> {
  const base = `http://127.0.0.1:${port}`;
  // Its own process group, so stopping it also stops the vite process that npx starts.
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', port, '--strictPort'], { stdio: 'ignore', detached: true });
  const stop = (): void => { try { process.kill(-server.pid!, 'SIGTERM'); } catch { /* already gone */ } };
  process.on('exit', stop);
  for (let i = 0; ; i++) {
    if (await fetch(base).then((r) => r.ok, () => false)) return { base, stop };
    if (i > 100) throw new Error(`${who}: vite preview did not answer on ${base}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
