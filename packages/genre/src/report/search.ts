// The hyperparameter search as a report section: a results table (best first) and an inline SVG
// plot of each trial's score with the best-so-far line. Plain SVG, no scripts, no network.

import { escapeHtml } from './svg.js';
import type { SearchResult, TrialRecord } from '../ml/search/search.js';

function fmt(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-2 || a >= 1e4) ? v.toExponential(2) : v.toFixed(3);
  }
  if (v === null) return 'null';
  return String(v);
}

/**
 * SVG plot: x = trial index, y = macro-F1; dots per trial, a step line for the best so far.
 *
 * ```ts
 * const svg = searchPlotSvg(result.trials);
 * ```
 */
export function searchPlotSvg(trials: readonly TrialRecord[], o: { width?: number; height?: number; title?: string } = {}): string {
  const W = o.width ?? 560,
    H = o.height ?? 260,
    L = 52,
    R = 12,
    T = 28,
    B = 36;
  const ts = [...trials].sort((a, b) => a.index - b.index);
  const scores = ts.map((t) => t.score).filter(Number.isFinite);
  let lo = scores.length ? Math.min(...scores) : 0,
    hi = scores.length ? Math.max(...scores) : 1;
  if (hi - lo < 1e-9) {
    lo -= 0.05;
    hi += 0.05;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const n = Math.max(1, ts.length - 1);
  const sx = (i: number) => L + ((W - L - R) * i) / n;
  const sy = (v: number) => T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(o.title ?? 'search trials')}">`,
  );
  parts.push(
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-family="sans-serif">${escapeHtml(o.title ?? 'Search: CV macro-F1 per trial')}</text>`,
  );
  parts.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#444"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#444"/>`);
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4,
      y = sy(v);
    parts.push(`<line x1="${L - 4}" y1="${y.toFixed(1)}" x2="${W - R}" y2="${y.toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" font-size="10" font-family="sans-serif">${v.toFixed(3)}</text>`);
  }
  const step = Math.max(1, Math.ceil(ts.length / 10));
  for (let i = 0; i < ts.length; i += step) {
    parts.push(`<text x="${sx(i).toFixed(1)}" y="${H - B + 14}" text-anchor="middle" font-size="10" font-family="sans-serif">${ts[i].index}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="11" font-family="sans-serif">trial</text>`);
  let best = -Infinity,
    path = '';
  ts.forEach((t, i) => {
    if (!Number.isFinite(t.score)) return;
    if (t.score > best) {
      path += `${path === '' ? 'M' : ` L${sx(i).toFixed(1)},${sy(best).toFixed(1)} L`}${sx(i).toFixed(1)},${sy(t.score).toFixed(1)}`;
      best = t.score;
    }
  });
  if (path !== '') parts.push(`<path d="${path} L${sx(ts.length - 1).toFixed(1)},${sy(best).toFixed(1)}" fill="none" stroke="#D55E00" stroke-width="2"/>`);
  ts.forEach((t, i) => {
    if (!Number.isFinite(t.score)) return;
    parts.push(
      `<circle cx="${sx(i).toFixed(1)}" cy="${sy(t.score).toFixed(1)}" r="3.5" fill="#0072B2"><title>trial ${t.index}: ${t.score.toFixed(4)}</title></circle>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** HTML table of trials, best first (top `limit`). */
export function searchTableHtml(result: SearchResult, limit = 20): string {
  const names = Object.keys(result.trials[0]?.params ?? {});
  const rows = [...result.trials].sort((a, b) => b.score - a.score).slice(0, limit);
  const head = ['#', 'trial', 'CV macro-F1', 'accuracy', ...names, 'seconds'].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (t, r) =>
        `<tr${t.index === result.best.index ? ' style="font-weight:bold"' : ''}><td>${r + 1}</td><td>${t.index}</td>` +
        `<td>${t.score.toFixed(4)}</td><td>${(100 * t.accuracy).toFixed(1)}%</td>` +
        names.map((n) => `<td>${escapeHtml(fmt(t.params[n]))}</td>`).join('') +
        `<td>${t.seconds.toFixed(1)}</td></tr>`,
    )
    .join('');
  return `<table class="num"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * The search as an extra section for the pipeline's HTML report (renderReport's `sections`).
 *
 * ```ts
 * writeReport('report.html', { ...input, sections: [searchReportSection(result)] });
 * ```
 */
export function searchReportSection(result: SearchResult, title = 'Hyperparameter search'): { title: string; html: string } {
  const cv = result.objective.cv ?? {};
  const intro =
    `<p>${escapeHtml(result.strategy.toUpperCase())} search, ${result.trials.length} trials (seed ${result.seed}` +
    `${result.resumed > 0 ? `, ${result.resumed} resumed from the journal` : ''}), model <code>${escapeHtml(result.objective.model)}</code>. ` +
    `Objective: pooled out-of-fold macro-F1 of ${cv.folds ?? 3}-fold artist-disjoint cross-validation on the training part only. ` +
    `Best: trial ${result.best.index}, macro-F1 ${result.best.score.toFixed(4)}.</p>`;
  return { title, html: intro + searchPlotSvg(result.trials) + searchTableHtml(result) };
}
