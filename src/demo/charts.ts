/**
 * The demo's two conversation charts, drawn as SVG (crisp, cheap to redraw per turn, and countable in tests):
 * a valence/arousal plane with one dot per turn (the latest ringed), and a timeline of the fused probabilities
 * of each turn as a stacked column, coloured by label.
 */
import { LABELS, type Label } from '../labels.ts';
import type { TurnResult } from '../session/results.ts';

/**
 * Okabe and Ito's palette, told apart with any common colour-vision deficiency; every chart also names its labels
 * (legend, tooltips, and a text summary as the chart's accessible name).
 */
export const LABEL_COLOURS: Record<Label, string> = {
  neutral: '#999999', joy: '#F0E442', sadness: '#0072B2', anger: '#D55E00', fear: '#CC79A7', disgust: '#009E73', surprise: '#56B4E9',
};

/** What a chart of `turns` shows, in words (its accessible name). */
function summary(kind: string, turns: readonly TurnResult[]): string {
  if (!turns.length) return `${kind}: no turn yet`;
  const last = turns[turns.length - 1];
  const counts = LABELS.map((l) => [l, turns.filter((t) => t.label === l).length] as const).filter(([, n]) => n > 0).map(([l, n]) => `${n} ${l}`);
  return `${kind} of ${turns.length} turn${turns.length === 1 ? '' : 's'} (${counts.join(', ')}); latest, #${last.index + 1} ${last.speaker}: ${last.label} ${(last.confidence * 100).toFixed(0)}%, valence ${last.valence.toFixed(2)}, arousal ${last.arousal.toFixed(2)}`;
}

const NS = 'http://www.w3.org/2000/svg';
function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Valence (x, −1…1) against arousal (y, −1…1); one circle per turn with class "turn-dot". */
export function drawValenceArousal(svg: SVGSVGElement, turns: readonly TurnResult[]): void {
  const size = 220, pad = 24, half = (size - 2 * pad) / 2, cx = size / 2, cy = size / 2;
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('aria-label', summary('Valence and arousal', turns));
  const nodes: SVGElement[] = [
    el('rect', { x: pad, y: pad, width: size - 2 * pad, height: size - 2 * pad, fill: 'none', stroke: '#d0d7de' }),
    el('line', { x1: pad, y1: cy, x2: size - pad, y2: cy, stroke: '#d0d7de' }),
    el('line', { x1: cx, y1: pad, x2: cx, y2: size - pad, stroke: '#d0d7de' }),
    el('text', { x: size - pad, y: cy - 4, 'text-anchor': 'end', 'font-size': 10, fill: '#57606a' }, 'pleasant'),
    el('text', { x: pad, y: cy - 4, 'font-size': 10, fill: '#57606a' }, 'unpleasant'),
    el('text', { x: cx + 4, y: pad + 10, 'font-size': 10, fill: '#57606a' }, 'aroused'),
    el('text', { x: cx + 4, y: size - pad - 4, 'font-size': 10, fill: '#57606a' }, 'calm'),
  ];
  turns.forEach((t, i) => {
    const last = i === turns.length - 1;
    const dot = el('circle', { cx: cx + t.valence * half, cy: cy - t.arousal * half, r: last ? 6 : 4, fill: LABEL_COLOURS[t.label], 'fill-opacity': last ? 1 : 0.55, stroke: last ? '#1b1f24' : 'none', class: 'turn-dot' });
    dot.append(el('title', {}, `#${t.index + 1} ${t.speaker}: ${t.label}, valence ${t.valence.toFixed(2)}, arousal ${t.arousal.toFixed(2)}`));
    nodes.push(dot);
  });
  svg.replaceChildren(...nodes);
}

/** One stacked column per turn (class "turn-column"), the seven fused probabilities bottom to top, and a legend. */
export function drawTimeline(svg: SVGSVGElement, turns: readonly TurnResult[]): void {
  const height = 140, plot = 100, colW = 14, gap = 3, left = 4;
  const width = Math.max(LABELS.length * 62 + 8, left + turns.length * (colW + gap) + 4);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('aria-label', summary('Fused probabilities', turns));
  const nodes: SVGElement[] = [];
  turns.forEach((t, i) => {
    const column = el('g', { class: 'turn-column', 'data-label': t.label });
    let y = plot;
    for (const label of LABELS) {
      const h = t.probabilities[label] * plot;
      y -= h;
      column.append(el('rect', { x: left + i * (colW + gap), y, width: colW, height: h, fill: LABEL_COLOURS[label] }));
    }
    column.append(el('title', {}, `#${t.index + 1} ${t.speaker}: ${t.label} ${(t.confidence * 100).toFixed(0)}%${t.transcript ? ` — ${t.transcript}` : ''}`));
    nodes.push(column);
  });
  LABELS.forEach((label, k) => {
    const x = left + k * 62;
    nodes.push(el('rect', { x, y: plot + 16, width: 9, height: 9, fill: LABEL_COLOURS[label] }), el('text', { x: x + 12, y: plot + 24, 'font-size': 10, fill: '#57606a' }, label));
  });
  svg.replaceChildren(...nodes);
}
