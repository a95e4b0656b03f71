// The self-contained HTML report of a training run: headline numbers beside the majority baseline,
// loss and metric curves, confusion heat map, per-class bars, settings and data counts, plus any
// extra sections other code passes in (e.g. a hyperparameter-search table and plot).
// No network: inline CSS and SVG only, system fonts, no scripts.
import type { ClassificationMetrics } from '../ml/metrics.js';
import { formatMeanStd, type MeanStd } from '../ml/summary.js';
import type { PreprocessReport } from '../preprocess/preprocess.js';
import { writeFileAtomic } from '@timbre/nn';
import { barChart, escapeHtml, heatmap, lineChart } from './svg.js';

/** An extra section: a title and trusted HTML (build it with the svg.ts helpers and escapeHtml). */
export interface ReportSection {
  readonly title: string;
  readonly html: string;
}

/** Which trained model the curves come from. */
export interface CurveSource {
  /** Seed of the run (one of the seeds the cards average). */
  readonly seed: number;
  /** Seed ensemble: the member shown (0-based), how many members, and that member's own seed. */
  readonly member?: number;
  readonly members?: number;
  readonly memberSeed?: number;
  /** What was trained (default "MLP"). */
  readonly model?: string;
}

/** Per-epoch curves (any of them may be empty). */
export interface ReportHistory {
  readonly trainLoss: readonly number[];
  readonly validLoss: readonly number[];
  readonly validMetric: readonly number[];
  readonly validAccuracy?: readonly number[];
  readonly bestEpoch?: number;
  /** The model whose curves these are, named in the caption. */
  readonly from?: CurveSource;
}

/**
 * The source of a run's curves: the run's seed and, for a seed ensemble, member 0 (whose history a
 * run keeps) with its own seed. `model` is the run's model name ('mlp' reads as "MLP").
 */
export function curveSourceOf(run: { readonly seed: number; readonly members: readonly { readonly seed: number }[] }, model = 'mlp'): CurveSource {
  const name = model === 'mlp' ? 'MLP' : model;
  if (run.members.length > 1) return { seed: run.seed, member: 0, members: run.members.length, memberSeed: run.members[0].seed, model: name };
  return { seed: run.seed, model: name };
}

/** The caption naming the model whose training curves are drawn. */
export function curvesCaption(from: CurveSource | undefined): string {
  if (from === undefined) return 'Training curves of one trained model (its run was not recorded).';
  const model = from.model ?? 'MLP';
  if (from.members !== undefined && from.members > 1) {
    return (
      `Training curves of member ${(from.member ?? 0) + 1} of ${from.members} of the seed ensemble (the ${model}${from.memberSeed !== undefined ? ` with seed ${from.memberSeed}` : ''}), ` +
      `in the run with seed ${from.seed}; the ensemble averages its members' probabilities, and each member stops early on its own.`
    );
  }
  return `Training curves of the ${model} of the run with seed ${from.seed}.`;
}

/** Everything {@link renderReport} draws: title, class names, test and baseline metrics, training history, settings and extra sections. */
export interface ReportInput {
  readonly title: string;
  /** Shown as a banner on every page of a synthetic-data run. */
  readonly synthetic?: boolean;
  readonly subtitle?: string;
  readonly classNames: readonly string[];
  /** Test metrics of the model shown in detail (confusion matrix, per class). */
  readonly test?: ClassificationMetrics;
  /** What `test` scores, said above the per-class charts (default: the test rows of the first run's model). */
  readonly testNote?: string;
  readonly baseline?: ClassificationMetrics;
  /** Mean ± std over seeds. */
  readonly summary?: Readonly<Record<string, MeanStd>>;
  readonly runs?: readonly { seed: number; accuracy: number; macroF1: number; balancedAccuracy: number; epochs?: number; bestEpoch?: number }[];
  readonly history?: ReportHistory;
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly data?: PreprocessReport;
  readonly sections?: readonly ReportSection[];
  /** Sections shown right after the headline cards (before the curves and per-class charts). */
  readonly leadSections?: readonly ReportSection[];
  /** What the headline and per-class numbers score, in their headings (default "test"). */
  readonly resultsOf?: string;
  /** Free text under the title (e.g. the command that made the run). */
  readonly command?: string;
}

const pct = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : (v * 100).toFixed(1));

/** A small HTML table (cells escaped). */
export function htmlTable(header: readonly string[] | null, rows: readonly (readonly (string | number)[])[], options: { numeric?: boolean } = {}): string {
  const cell = (v: string | number) => escapeHtml(typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : v);
  const head = header ? `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>` : '';
  return (
    `<table${options.numeric ? ' class="num"' : ''}>${head}<tbody>` +
    rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

function settingsTable(s: Readonly<Record<string, unknown>>): string {
  return htmlTable(
    ['setting', 'value'],
    Object.entries(s).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1140px;color:#222;padding:0 16px;line-height:1.4}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 12px}.banner{background:#fff3cd;border:1px solid #e0c36b;padding:8px 12px;border-radius:6px;font-weight:600;margin:8px 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}
.card .v{font-size:24px;font-weight:700}.card .l{color:#555;font-size:12px}.card .b{color:#777;font-size:12px}
.grid{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
table{border-collapse:collapse;font-size:13px;margin:6px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f6f6f6}table.num td{text-align:right}table.num td:first-child{text-align:left}
svg{max-width:100%;height:auto}@media (max-width:600px){table{display:block;overflow-x:auto;max-width:100%}}table.candidates td:nth-child(2){text-align:left}.caption{font-size:13px}
code,pre{background:#f6f6f6;border-radius:4px;padding:2px 4px;font-size:12px}pre{padding:8px;overflow-x:auto;white-space:pre-wrap}
footer{color:#777;font-size:12px;margin-top:32px}
`;

/**
 * Renders the report as one HTML string.
 *
 * ```ts
 * const html = renderReport({ title: 'Genre MLP', classNames, test, baseline, history, settings });
 * ```
 */
export function renderReport(r: ReportInput): string {
  const out: string[] = [];
  out.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`);
  out.push(`<title>${escapeHtml(r.title)}</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>${escapeHtml(r.title)}</h1>`);
  if (r.subtitle) out.push(`<p class="sub">${escapeHtml(r.subtitle)}</p>`);
  if (r.synthetic)
    out.push(
      `<div class="banner">SYNTHETIC DATA — these songs and labels were generated by timbre's synthetic MSD-format corpus, not real music. The numbers only show that the pipeline works.</div>`,
    );
  if (r.command) out.push(`<pre>${escapeHtml(r.command)}</pre>`);

  // Headline cards.
  const card = (label: string, v: string, b?: string) =>
    `<div class="card"><div class="l">${escapeHtml(label)}</div><div class="v">${escapeHtml(v)}</div>${b ? `<div class="b">${escapeHtml(b)}</div>` : ''}</div>`;
  const s = r.summary;
  const first = r.runs?.[0]?.seed;
  if (r.test) {
    const t = r.test;
    out.push(`<h2>${r.resultsOf ? `Results (${escapeHtml(r.resultsOf)})` : 'Test results'}</h2><div class="cards">`);
    const ms = (k: string, fallback: number) => (s?.[k] ? formatMeanStd(s[k]) : pct(fallback));
    out.push(
      card(
        'accuracy %',
        ms('accuracy', t.accuracy),
        r.baseline ? `majority class: ${s?.baselineAccuracy ? formatMeanStd(s.baselineAccuracy) : pct(r.baseline.accuracy)}` : undefined,
      ),
    );
    out.push(
      card(
        'macro-F1 %',
        ms('macroF1', t.macroF1),
        r.baseline ? `majority class: ${s?.baselineMacroF1 ? formatMeanStd(s.baselineMacroF1) : pct(r.baseline.macroF1)}` : undefined,
      ),
    );
    out.push(
      card('balanced accuracy %', ms('balancedAccuracy', t.balancedAccuracy), r.baseline ? `majority class: ${pct(r.baseline.balancedAccuracy)}` : undefined),
    );
    out.push(card('test rows', String(t.rows), `${r.classNames.length} classes`));
    out.push('</div>');
  }
  if (s)
    out.push(
      `<p class="sub">Cards show mean ± std over ${s.accuracy?.n ?? '?'} seeds${first !== undefined ? `; the per-class charts below score the model of the run with seed ${first}` : ''}.</p>`,
    );
  if (r.runs && r.runs.length > 0) {
    out.push(
      htmlTable(
        ['seed', 'accuracy %', 'macro-F1 %', 'balanced acc. %', 'epochs', 'best epoch'],
        r.runs.map((x) => [
          String(x.seed),
          pct(x.accuracy),
          pct(x.macroF1),
          pct(x.balancedAccuracy),
          x.epochs !== undefined ? String(x.epochs) : '–',
          x.bestEpoch !== undefined ? String(x.bestEpoch) : '–',
        ]),
        { numeric: true },
      ),
    );
  }

  for (const sec of r.leadSections ?? []) out.push(`<h2>${escapeHtml(sec.title)}</h2>${sec.html}`);

  // Curves.
  const h = r.history;
  if (h && h.trainLoss.length > 0) {
    out.push(`<h2>Training curves</h2><p class="sub caption curves-source">${escapeHtml(curvesCaption(h.from))}</p><div class="grid">`);
    const mark =
      h.bestEpoch !== undefined && h.bestEpoch > 0 && h.bestEpoch < h.trainLoss.length ? { x: h.bestEpoch, label: `best (${h.bestEpoch})` } : undefined;
    out.push(
      lineChart(
        [
          { name: 'train loss', values: h.trainLoss },
          { name: 'validation loss', values: h.validLoss, dashed: true },
        ],
        { title: 'Cross-entropy loss', xLabel: 'epoch', yLabel: 'loss', ...(mark ? { markX: mark } : {}) },
      ),
    );
    const metricSeries = [{ name: 'valid macro-F1', values: h.validMetric }];
    if (h.validAccuracy) metricSeries.push({ name: 'valid accuracy', values: h.validAccuracy });
    out.push(lineChart(metricSeries, { title: 'Validation metrics', xLabel: 'epoch', yLabel: 'score', yMin: 0, yMax: 1, ...(mark ? { markX: mark } : {}) }));
    out.push('</div>');
  }

  // Confusion + per class.
  if (r.test) {
    const t = r.test;
    out.push(`<h2>Per class (${escapeHtml(r.resultsOf ?? 'test')})</h2>`);
    const testNote = r.testNote ?? (first !== undefined ? `The test rows of the run with seed ${first}, scored by its whole model.` : undefined);
    if (testNote) out.push(`<p class="sub caption">${escapeHtml(testNote)}</p>`);
    out.push('<div class="grid">');
    out.push(heatmap(t.confusion, r.classNames, { title: 'Confusion matrix' }));
    out.push(
      barChart(
        r.classNames,
        [
          { name: 'precision', values: t.perClass.map((c) => c.precision) },
          { name: 'recall', values: t.perClass.map((c) => c.recall) },
          { name: 'F1', values: t.perClass.map((c) => c.f1) },
        ],
        { title: 'Precision / recall / F1', max: 1, valueLabel: 'score (0 to 1)' },
      ),
    );
    out.push('</div>');
    out.push(
      htmlTable(
        ['class', 'support', 'precision', 'recall', 'F1'],
        r.classNames.map((c, i) => [
          c,
          String(t.perClass[i].support),
          t.perClass[i].precision.toFixed(3),
          t.perClass[i].recall.toFixed(3),
          t.perClass[i].f1.toFixed(3),
        ]),
        { numeric: true },
      ),
    );
  }

  // Extra sections from other code.
  for (const sec of r.sections ?? []) out.push(`<h2>${escapeHtml(sec.title)}</h2>${sec.html}`);

  // Data and settings.
  if (r.data) {
    const d = r.data;
    out.push('<h2>Data</h2>');
    const rows: [string, string][] = [
      ['input', d.input],
      ['format', d.format],
      ['labels', d.labelSource],
      ['rows read', String(d.rowsRead)],
      ['rows kept', String(d.kept)],
      [
        'split',
        `${d.split.kind}-disjoint, seed ${d.split.seed}: train ${d.split.train} / valid ${d.split.valid} / test ${d.split.test} (${d.split.artists} artists)`,
      ],
      ['features', `${d.features.length} (${d.featureGroups.join(', ')}; key ${d.keyEncoding})`],
    ];
    for (const j of d.joins) rows.push([`joined`, `${j.path} on ${j.key}: ${j.matched} rows matched`]);
    for (const [reason, n] of Object.entries(d.dropped)) rows.push([`dropped: ${reason}`, String(n)]);
    if (d.truncatedRows.count > 0) rows.push(['truncated rows (first data-row numbers)', d.truncatedRows.examples.join(', ')]);
    for (const rc of d.rareClasses) rows.push([`rare class ${rc.action === 'drop' ? 'dropped' : 'merged into "other"'}`, `${rc.name} (${rc.count})`]);
    out.push(htmlTable(null, rows));
    out.push(
      htmlTable(
        ['class', 'rows'],
        d.classes.map((c) => [c.name, String(c.count)]),
        { numeric: true },
      ),
    );
  }
  if (r.settings) out.push(`<h2>Settings</h2>${settingsTable(r.settings)}`);
  out.push(`<footer>timbre genre report — self-contained HTML (inline SVG, no scripts, no network).</footer></body></html>`);
  return out.join('\n');
}

/** Renders and writes the report atomically. */
export function writeReport(path: string, r: ReportInput): void {
  writeFileAtomic(path, renderReport(r));
}
