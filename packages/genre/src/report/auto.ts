// The `auto` preset in the HTML report: the candidates' cross-validated scores side by side, the
// nested estimate, and a reliability diagram of the out-of-fold probabilities before and after
// temperature scaling. Built from `chooseModel`'s result and the labels it was chosen on.

import { calibrationBins, ECE_BINS } from '../ml/calibration.js';
import { argmaxRows, evaluatePredictions, majorityClass, type ClassificationMetrics } from '../ml/metrics.js';
import type { ModelOptions } from '../ml/registry.js';
import type { CandidateScore, ChooseResult, ModelChoice } from '../ml/select.js';
import { formatMeanStd } from '../ml/summary.js';
import type { ReportInput } from './html.js';
import { escapeHtml, reliabilityChart } from './svg.js';

const pct = (v: number): string => (Number.isFinite(v) ? (100 * v).toFixed(1) : '–');

function compact(o: ModelOptions | undefined): string {
  const s = JSON.stringify(o ?? {});
  return s === '{}'
    ? 'defaults'
    : s
        .replace(/^\{|\}$/g, '')
        .replace(/"/g, '')
        .replace(/,/g, ', ')
        .replace(/:/g, ': ');
}

/** A short description of a candidate's settings: its options, its seed ensemble, or its blend's members. */
export function describeChoice(c: ModelChoice): string {
  const o = c.options as Record<string, unknown>;
  if (c.model === 'voting' && Array.isArray(o.members)) {
    const member = (m: { model: string; options?: Record<string, unknown> }): string => {
      const base = m.options?.base as { model?: string } | undefined;
      return m.model === 'seed-ensemble' && base?.model !== undefined ? `${String(m.options?.nEstimators)} × ${base.model}` : m.model;
    };
    return `soft vote of ${(o.members as { model: string; options?: Record<string, unknown> }[]).map(member).join(' + ')}`;
  }
  if (c.model === 'seed-ensemble' && o.base !== undefined) {
    const base = o.base as { model: string; options?: ModelOptions };
    return `${String(o.nEstimators)} seeds × ${base.model} (${compact(base.options)})`;
  }
  return `${c.model} (${compact(c.options)})`;
}

/**
 * The candidates table: one row per candidate in the order tried, its settings, macro-F1 and accuracy
 * (mean ± std over the inner folds, and pooled over all out-of-fold rows), seconds; the chosen one
 * marked ★ and in bold.
 */
export function candidatesTableHtml(choice: ChooseResult): string {
  const head = ['candidate', 'settings', 'macro-F1 % (folds)', 'accuracy % (folds)', 'macro-F1 % (pooled)', 'accuracy % (pooled)', 'seconds']
    .map((h) => `<th>${escapeHtml(h)}</th>`)
    .join('');
  const row = (c: CandidateScore): string => {
    const chosen = c.status === 'scored' && c.name === choice.chosen.name;
    const cells =
      c.status === 'skipped'
        ? [c.name, 'skipped: the budget ran out before it', '–', '–', '–', '–', c.seconds.toFixed(1)]
        : [
            `${chosen ? '★ ' : ''}${c.name}`,
            c.choice ? describeChoice(c.choice) : '',
            c.foldMacroF1 ? formatMeanStd(c.foldMacroF1) : '–',
            c.foldAccuracy ? formatMeanStd(c.foldAccuracy) : '–',
            pct(c.macroF1),
            pct(c.accuracy),
            c.choice?.model === 'voting' && c.seconds === 0 ? '–' : c.seconds.toFixed(1),
          ];
    return `<tr class="candidate${chosen ? ' chosen' : ''}" data-name="${escapeHtml(c.name)}"${chosen ? ' style="font-weight:bold"' : ''}>${cells.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`;
  };
  const blends = choice.candidates.some((c) => c.choice?.model === 'voting')
    ? '<p class="sub caption">A soft vote averages its members\' out-of-fold probabilities, so it needs no fits (and no seconds) of its own.</p>'
    : '';
  return `<table class="num candidates"><thead><tr>${head}</tr></thead><tbody>${choice.candidates.map(row).join('')}</tbody></table>${blends}`;
}

/**
 * Metrics of the nested estimate's out-of-fold predictions (every row predicted by a model chosen and
 * fitted without it) and of the majority class of each outer training part; null without an estimate.
 */
export function nestedMetrics(
  choice: ChooseResult,
  y: ArrayLike<number>,
  classes: number,
): { test: ClassificationMetrics; baseline: ClassificationMetrics } | null {
  const outer = choice.outer;
  if (outer === null) return null;
  if (y.length !== outer.fold.length) throw new RangeError(`nestedMetrics: ${y.length} labels for an estimate of ${outer.fold.length} rows`);
  const majority = new Int32Array(y.length);
  for (let f = 0; f < outer.folds; f++) {
    const train: number[] = [];
    for (let i = 0; i < y.length; i++) if (outer.fold[i] !== f) train.push(y[i]);
    const m = majorityClass(train, classes);
    for (let i = 0; i < y.length; i++) if (outer.fold[i] === f) majority[i] = m;
  }
  return { test: evaluatePredictions(y, argmaxRows(outer.proba, classes), classes), baseline: evaluatePredictions(y, majority, classes) };
}

/**
 * The report sections of an `auto` run: "Model choice" (candidates and nested estimate) and, with a
 * nested estimate, "Calibration" (reliability diagram before and after temperature scaling).
 *
 * ```ts
 * writeReport('r.html', { ...input, sections: autoReportSections(result.choice, ds.y, classNames.length) });
 * ```
 */
export function autoReportSections(choice: ChooseResult, y: ArrayLike<number>, classes: number): { title: string; html: string }[] {
  const out: { title: string; html: string }[] = [];
  const c = choice.outer;
  const folds = choice.candidates.find((x) => x.foldMacroF1 !== null)?.foldMacroF1?.n;
  let html = `<p class="sub">Each candidate is scored by artist-disjoint cross-validation${folds !== undefined ? ` (${folds} folds)` : ''} on all ${y.length} rows; the highest pooled macro-F1 is chosen (★): <b>${escapeHtml(choice.chosen.name)}</b>, ${escapeHtml(describeChoice(choice.chosen))}.</p>`;
  html += candidatesTableHtml(choice);
  if (c !== null) {
    const picks = [...new Set(c.chosen)].map((n) => `${n} (${c.chosen.filter((x) => x === n).length} of ${c.folds})`).join(', ');
    html +=
      `<p class="nested">Nested estimate (${c.folds} outer folds, each choosing and fitting on its own training part, so no score sees the rows that chose): ` +
      `accuracy <b>${pct(c.accuracy)} %</b> (folds ${formatMeanStd(c.foldAccuracy)}), macro-F1 <b>${pct(c.macroF1)} %</b> (folds ${formatMeanStd(c.foldMacroF1)}); ` +
      `majority class ${pct(c.majorityAccuracy)} % / ${pct(c.majorityMacroF1)} %. Outer folds chose: ${escapeHtml(picks)}.</p>`;
  } else {
    html += `<p class="nested">No nested estimate was made (${escapeHtml(choice.outerNote ?? 'outer folds 0')}): the scores above chose the model and are optimistic for it.</p>`;
  }
  out.push({ title: 'Model choice (auto preset)', html });
  if (c !== null) {
    const before = calibrationBins(c.proba, y, classes, ECE_BINS),
      after = calibrationBins(c.calibratedProba, y, classes, ECE_BINS);
    const caption =
      `Reliability of the nested estimate's out-of-fold probabilities, ${ECE_BINS} equal-width confidence bins (a dot's area follows its rows): expected calibration error ` +
      `<b>${pct(c.ece)} %</b> before and <b>${pct(c.eceCalibrated)} %</b> after temperature scaling (each outer fold's temperature fitted on the out-of-fold probabilities of its own training part). ` +
      `The saved model applies T = ${choice.temperature.toFixed(2)}, fitted on the chosen candidate's out-of-fold probabilities over all rows.`;
    const chart = reliabilityChart(
      [
        { name: `before (ECE ${pct(c.ece)} %)`, bins: before, color: '#E69F00' },
        { name: `after temperature scaling (ECE ${pct(c.eceCalibrated)} %)`, bins: after, color: '#0072B2' },
      ],
      { title: 'Reliability diagram' },
    );
    out.push({ title: 'Calibration', html: `<div class="grid">${chart}</div><p class="sub caption">${caption}</p>` });
  }
  return out;
}

/**
 * The whole report of an `auto` run: headline numbers and per-class charts of the nested estimate
 * (when there is one), then the model choice and calibration sections.
 *
 * ```ts
 * writeReport('r.html', autoReportInput(result.choice, { y: data.y, classNames: data.classNames, input: 'pp.csv' }));
 * ```
 */
export function autoReportInput(
  choice: ChooseResult,
  o: { readonly y: ArrayLike<number>; readonly classNames: readonly string[]; readonly input?: string },
): ReportInput {
  const K = o.classNames.length;
  const nested = nestedMetrics(choice, o.y, K);
  return {
    title: `Genre classification — auto: ${choice.chosen.name}`,
    subtitle: choice.outer
      ? `nested estimate over ${choice.outer.folds} artist-disjoint outer folds: accuracy ${pct(choice.outer.accuracy)} %, macro-F1 ${pct(choice.outer.macroF1)} % (majority class ${pct(choice.outer.majorityAccuracy)} / ${pct(choice.outer.majorityMacroF1)})`
      : 'chosen without a nested estimate',
    classNames: o.classNames,
    ...(nested
      ? {
          test: nested.test,
          baseline: nested.baseline,
          testNote: `Every row as the nested estimate predicted it: by a model chosen and fitted on the other ${choice.outer!.folds - 1} outer folds' artists (pooled over the folds); the majority class is each outer training part's.`,
        }
      : {}),
    leadSections: autoReportSections(choice, o.y, K),
    resultsOf: 'nested estimate',
    settings: {
      preset: 'auto',
      chosen: choice.chosen.name,
      model: describeChoice(choice.chosen),
      temperature: Number(choice.temperature.toFixed(4)),
      seconds: Number(choice.seconds.toFixed(1)),
      ...(o.input ? { data: o.input } : {}),
    },
  };
}
