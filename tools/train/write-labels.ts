/**
 * Writes tools/train/python/labels.json from src/labels.ts: the label order the PyTorch trainers read, so the two
 * languages share one list instead of copies (test/unit/labels.test.ts fails if the file is out of date).
 *
 *   npx tsx tools/train/write-labels.ts
 */
import { writeFileSync } from 'node:fs';
import { LABELS, MODALITIES } from '../../src/labels.ts';

export const LABELS_JSON = 'tools/train/python/labels.json';

export function labelsContract(): string {
  return JSON.stringify({ generatedFrom: 'src/labels.ts', labels: LABELS, modalities: MODALITIES }, null, 1) + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(LABELS_JSON, labelsContract());
  console.log(`wrote ${LABELS_JSON}`);
}
