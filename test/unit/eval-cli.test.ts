/**
 * The evaluation CLI as a user runs it: a camera condition for faces and a recording condition for voices are
 * applied before the encoder (seeded: the same run gives the same numbers), and a wrong name is a usage error that
 * lists the valid ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FACES = '../shared/data/faces/fer2013/validation';
const RAVDESS = '../shared/data/audio/ravdess';

function evalCli(args: string[], dir: string, name: string): { status: number | null; stderr: string; result?: { accuracy: number; n: number } } {
  const json = join(dir, `${name}.json`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'tools/eval/cli.ts', ...args, '--json', json], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr, result: run.status === 0 ? JSON.parse(readFileSync(json, 'utf8')) : undefined };
}

test('eval face --degrade dim: a dim webcam costs accuracy, repeatably; unknown conditions are refused', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-cli-'));
  try {
    const clean = evalCli(['face', '--data', FACES, '--limit', '210'], dir, 'clean');
    const dim = evalCli(['face', '--data', FACES, '--limit', '210', '--degrade', 'dim'], dir, 'dim');
    const again = evalCli(['face', '--data', FACES, '--limit', '210', '--degrade', 'dim'], dir, 'again');
    assert.equal(clean.status, 0, clean.stderr);
    assert.equal(dim.result!.n, 210);
    assert.ok(clean.result!.accuracy > 0.5, `clean accuracy ${clean.result!.accuracy}`);
    assert.ok(dim.result!.accuracy < clean.result!.accuracy, `dim ${dim.result!.accuracy} vs clean ${clean.result!.accuracy}`);
    assert.deepEqual(again.result, dim.result, 'seeded: the same command gives the same result');
    const wrong = evalCli(['face', '--data', FACES, '--limit', '7', '--degrade', 'fog'], dir, 'wrong');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /unknown face --degrade "fog": one of none, dim, blur, small, tilted, hand, glasses/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('eval audio --degrade room on unseen RAVDESS actors: repeatable, and scored on the dev split only', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-cli-'));
  try {
    const a = evalCli(['audio', '--data', RAVDESS, '--split', 'dev', '--limit', '28', '--degrade', 'room'], dir, 'a');
    const b = evalCli(['audio', '--data', RAVDESS, '--split', 'dev', '--limit', '28', '--degrade', 'room'], dir, 'b');
    assert.equal(a.status, 0, a.stderr);
    assert.equal(a.result!.n, 28);
    assert.deepEqual(a.result, b.result);
    const wrong = evalCli(['audio', '--data', RAVDESS, '--degrade', 'underwater'], dir, 'wrong');
    assert.match(wrong.stderr, /unknown --degrade "underwater": one of none, noise10, noise0, room, far, babble10, call/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
