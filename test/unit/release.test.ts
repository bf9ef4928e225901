/**
 * The release command (tools/release/): every recipe names scripts that exist; the runner resumes (a finished step is
 * skipped, exports and checks run again), stops at a failing step with a message that says how to resume, installs
 * only after every step passed, and writes the card's scores from the metrics the steps produced. Last, the real
 * fusion recipe end to end on a sliver of the data (--quick): features, embeddings, training, the checked reload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCORES_BEGIN, SCORES_END, scoresBlock, writeCardScores } from '../../tools/release/card.ts';
import { MODELS, type Recipe, type ReleaseContext } from '../../tools/release/recipes.ts';
import { plan, release } from '../../tools/release/run.ts';
import { evaluate } from '../../src/eval/metrics.ts';

const DATA = '../shared/data';

test('every recipe runs scripts that exist and replaces folders that ship', () => {
  for (const model of MODELS) {
    for (const quick of [false, true]) {
      const { recipe } = plan(model, { data: DATA, quick });
      assert.ok(recipe.steps.length >= 4, model);
      for (const step of recipe.steps) {
        const script = step.argv?.find((a) => /\.(ts|py)$/.test(a) && !a.includes('/stage/'));
        if (script) assert.ok(existsSync(script), `${model}/${step.name}: ${script} does not exist`);
      }
      for (const folder of recipe.folders) assert.ok(existsSync(join('public/models', folder, 'card.md')), `${model}: public/models/${folder} has a card`);
      // A release that ships weights checks them: a parity test or the fusion's reload check is one of its steps.
      assert.ok(recipe.steps.some((s) => s.name === 'parity' || s.name === 'check'), `${model} has a check step`);
    }
  }
});

test('the card block is appended once, then replaced in place; a cut block is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'card-'));
  try {
    const card = join(dir, 'card.md');
    writeFileSync(card, '# A model\n\nProse that people wrote.\n');
    const scores = evaluate([0, 1, 2, 2], [0, 1, 2, 1]);
    const stamp = { command: 'npm run release -- face', commit: 'abc1234', date: '2026-12-03', quick: false };
    writeCardScores(card, scoresBlock('Dev', [['dev set', scores]], stamp));
    const once = readFileSync(card, 'utf8');
    assert.match(once, /Prose that people wrote\./);
    assert.match(once, /\| dev set \| 4 \| 75\.0 \|/);
    writeCardScores(card, scoresBlock('Dev', [['dev set', evaluate([0, 1], [0, 1])]], stamp));
    const twice = readFileSync(card, 'utf8');
    assert.equal(twice.split(SCORES_BEGIN).length, 2, 'one block');
    assert.match(twice, /\| dev set \| 2 \| 100\.0 \|/);
    assert.doesNotMatch(twice, /75\.0/);
    writeFileSync(card, twice.replace(SCORES_END, ''));
    assert.throws(() => writeCardScores(card, scoresBlock('Dev', [['dev set', scores]], stamp)), /markers is missing/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

/** A tiny recipe: a counted "training" step, a failing step while `fail` exists, and a metrics file for the card. */
function tinyRecipe(root: string): (c: ReleaseContext) => Recipe {
  const count = (name: string) => ['node', '-e', `require('fs').appendFileSync(${JSON.stringify(join(root, name))}, 'x')`];
  return (c) => ({
    folders: ['toy'],
    steps: [
      { name: 'train', what: 'counts its runs', argv: count('train-runs') },
      { name: 'export', what: 'writes the model and its metrics', always: true, argv: ['node', '-e', `const fs=require('fs');fs.mkdirSync(${JSON.stringify(join(c.stage, 'toy'))},{recursive:true});fs.writeFileSync(${JSON.stringify(join(c.stage, 'toy/weights.bin'))},'w');fs.writeFileSync(${JSON.stringify(join(c.stage, 'toy/metrics.json'))},JSON.stringify(${JSON.stringify(evaluate([0, 1, 1], [0, 1, 0]))}))`] },
      { name: 'check', what: 'fails while a file says so', always: true, argv: ['node', '-e', `process.exit(require('fs').existsSync(${JSON.stringify(join(root, 'fail'))}) ? 3 : 0)`] },
    ],
    card: { folder: 'toy', title: 'Toy dev', scores: (read) => [['toy dev', read('toy/metrics.json') as never]] },
  });
}

test('the runner resumes, stops at a failing step, and installs only when every step passed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'release-'));
  try {
    const models = join(root, 'models');
    mkdirSync(join(models, 'toy'), { recursive: true });
    writeFileSync(join(models, 'toy/card.md'), '# Toy\n');
    writeFileSync(join(models, 'toy/weights.bin'), 'old');
    writeFileSync(join(root, 'fail'), '');
    const options = { data: root, models, cache: join(root, 'cache'), recipe: tinyRecipe(root), print: () => {} };
    await assert.rejects(release('face', options), /step "check" failed \(exit 3\).*Run the same command again to resume/);
    assert.equal(readFileSync(join(models, 'toy/weights.bin'), 'utf8'), 'old', 'nothing installed after a failure');

    rmSync(join(root, 'fail'));
    const done = await release('face', options);
    assert.equal(done.installed, true);
    assert.equal(readFileSync(join(root, 'train-runs'), 'utf8'), 'x', 'the finished training step was not run again');
    assert.equal(readFileSync(join(models, 'toy/weights.bin'), 'utf8'), 'w');
    assert.match(readFileSync(join(models, 'toy/card.md'), 'utf8'), /\| toy dev \| 3 \| 66\.7 \|/);
    const manifest = JSON.parse(readFileSync(join(models, 'manifest.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.files).sort(), ['toy/weights.bin'], 'the manifest lists the loaded files, not the card or metrics');
    const log = readFileSync(join(root, 'cache/face/release.log'), 'utf8');
    assert.match(log, /-- train: done before, skipped/);

    await release('face', { ...options, fresh: true });
    assert.equal(readFileSync(join(root, 'train-runs'), 'utf8'), 'xx', '--fresh runs every step again');
  } finally { rmSync(root, { recursive: true, force: true }); }
});

test('release fusion --quick: the real recipe end to end on a sliver of the data, nothing installed', { timeout: 300_000 }, async () => {
  const cache = mkdtempSync(join(tmpdir(), 'release-quick-'));
  try {
    const lines: string[] = [];
    const before = readFileSync('public/models/fusion/weights.bin');
    const done = await release('fusion', { data: DATA, quick: true, cache, print: (l) => lines.push(l) });
    assert.equal(done.installed, false);
    assert.deepEqual(readFileSync('public/models/fusion/weights.bin'), before, 'the shipped fusion is untouched');
    const log = readFileSync(join(cache, 'fusion/release.log'), 'utf8');
    // The reload check compared the staged files' predictions with the trained ones: seven modality conditions,
    // seven degraded-recording scenarios and the realistic mix.
    assert.equal(log.match(/same predictions/g)?.length, 15, log.slice(-2000));
    assert.match(done.card, /\| all three \| \d+ \| [\d.]+ \|/);
    assert.match(done.card, /\| fused, degraded audio \| \d+ \| [\d.]+ \|/);
    // Calibrated: the shipped file carries the temperatures fitted on dev, and the report says what they did.
    const staged = JSON.parse(readFileSync(join(done.stage, 'fusion/model.json'), 'utf8'));
    const reliability = JSON.parse(readFileSync(join(done.stage, 'fusion/reliability.json'), 'utf8'));
    assert.deepEqual(staged.modelTopology.config.temperatures, reliability.temperatures);
    for (const t of Object.values(reliability.temperatures) as number[]) assert.ok(t > 0 && t <= 20);
    assert.ok(reliability.calibration.fused.fused.n > 0 && reliability.gateFalls.audio.turns > 0);
    // The card shows the calibration: the fused head's ECE in every scenario, and the gate under a degraded voice.
    assert.match(done.card, new RegExp(`\\| fused \\| ${reliability.calibration.fused.fused.n} \\| ${reliability.calibration.fused.fused.eceRaw.toFixed(3)} \\| ${reliability.calibration.fused.fused.ece.toFixed(3)} \\|`));
    assert.match(done.card, /\| audio \| \d+ \| [\d.]+ % \| [\d.]+ \| [\d.]+ \|/);
    assert.match(done.card, /--quick\*\* pipeline check/);
    const manifest = JSON.parse(readFileSync(join(done.stage, 'manifest.json'), 'utf8'));
    assert.ok(manifest.files['fusion/weights.bin'].bytes > 0);
  } finally { rmSync(cache, { recursive: true, force: true }); }
});
