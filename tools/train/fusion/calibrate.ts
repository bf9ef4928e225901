/**
 * After training: temperature scaling of every fusion head on dev, and the report of what it did (expected
 * calibration error before and after, per scenario) and of how the modality gate treats degraded recordings.
 */
import { calibrationReport, fitTemperature, softmaxT } from '../../../src/eval/calibration.ts';
import { MODALITIES, type FusionConfig, type FusionParams, type HeadTemperatures } from '../../../src/fusion/model.ts';
import { scenarios, type FusionSplit } from './data.ts';
import { fusionTurnOutputs, type TurnOutput } from './evaluate.ts';
import type { AlignedDialogue } from './pseudo-align.ts';

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

/** Temperatures that minimise each head's NLL on `dialogues` (the fused head over every turn, a modality head over the turns that have it). */
export async function fitHeadTemperatures(params: FusionParams, config: FusionConfig, dialogues: AlignedDialogue[], split: FusionSplit): Promise<HeadTemperatures> {
  const raw = { ...config, temperatures: undefined };
  const turns = await fusionTurnOutputs(params, raw, dialogues, split, 'fused');
  const head = (m: number) => {
    const rows = turns.filter((t) => t.present[m]);
    return round(fitTemperature(rows.map((t) => t.modalityLogits[m]), rows.map((t) => t.label)));
  };
  return { fused: round(fitTemperature(turns.map((t) => t.fusedLogits), turns.map((t) => t.label))), text: head(0), audio: head(1), face: head(2) };
}

interface HeadCalibration { n: number; eceRaw: number; ece: number; nllRaw: number; nll: number; accuracy: number }

function headCalibration(rows: { logits: Float32Array; label: number }[], temperature: number): HeadCalibration {
  const labels = rows.map((r) => r.label);
  const raw = calibrationReport(rows.map((r) => softmaxT(r.logits)), labels);
  const cal = calibrationReport(rows.map((r) => softmaxT(r.logits, temperature)), labels);
  return { n: raw.n, eceRaw: round(raw.ece), ece: round(cal.ece), nllRaw: round(raw.nll), nll: round(cal.nll), accuracy: round(cal.accuracy) };
}

export interface ReliabilityReport {
  temperatures: HeadTemperatures;
  /** Per scenario: the fused head's calibration, and each present modality head's. */
  calibration: Record<string, Record<string, HeadCalibration>>;
  /** Per scenario with all three modalities: the mean gate weight of each modality over the labelled turns. */
  gate: Record<string, Record<string, number>>;
  /** Paired, turn by turn (same conversation, same clips): how often a modality's weight fell when its recording was degraded. */
  gateFalls: Record<string, { turns: number; fell: number; meanClean: number; meanDegraded: number }>;
}

/** Calibration (raw vs fitted temperatures) and gate behaviour on every scenario the split supports. */
export async function reliabilityReport(params: FusionParams, config: FusionConfig, temperatures: HeadTemperatures, dialogues: AlignedDialogue[], split: FusionSplit): Promise<ReliabilityReport> {
  const raw = { ...config, temperatures: undefined };
  const report: ReliabilityReport = { temperatures, calibration: {}, gate: {}, gateFalls: {} };
  const outputs: Record<string, TurnOutput[]> = {};
  for (const [name, s] of Object.entries(scenarios(split))) {
    const turns = await fusionTurnOutputs(params, raw, dialogues, split, s.condition, s.degraded);
    outputs[name] = turns;
    const entry: Record<string, HeadCalibration> = { fused: headCalibration(turns.map((t) => ({ logits: t.fusedLogits, label: t.label })), temperatures.fused) };
    MODALITIES.forEach((m, k) => {
      const rows = turns.filter((t) => t.present[k]);
      if (rows.length) entry[m] = headCalibration(rows.map((t) => ({ logits: t.modalityLogits[k], label: t.label })), temperatures[m]);
    });
    report.calibration[name] = entry;
    if (s.condition === 'fused') {
      const full = turns.filter((t) => t.present.every(Boolean));
      report.gate[name] = Object.fromEntries(MODALITIES.map((m, k) => [m, round(full.reduce((a, t) => a + t.gate[k], 0) / Math.max(full.length, 1))]));
    }
  }
  // The degraded scenarios score the very same turns as 'fused' (same order), only the recordings differ.
  for (const [name, k] of [['fused, degraded audio', 1], ['fused, degraded face', 2]] as const) {
    const clean = outputs.fused, bad = outputs[name];
    if (!bad || bad.length !== clean.length) continue;
    let turns = 0, fell = 0, sumClean = 0, sumBad = 0;
    clean.forEach((t, i) => {
      if (!t.present.every(Boolean) || !bad[i].present.every(Boolean)) return;
      turns++; sumClean += t.gate[k]; sumBad += bad[i].gate[k];
      if (bad[i].gate[k] < t.gate[k]) fell++;
    });
    report.gateFalls[MODALITIES[k]] = { turns, fell, meanClean: round(sumClean / Math.max(turns, 1)), meanDegraded: round(sumBad / Math.max(turns, 1)) };
  }
  return report;
}
