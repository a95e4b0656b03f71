// The measured comparison: every model on both real labelled sets, artist-disjoint
// cross-validation, mean ± std over seeds, wall time per model.
//
//   npx tsx --conditions=source bench/accuracy/compare.ts tune    [--dataset tagtraum|genre2] [--trials 12]
//   npx tsx --conditions=source bench/accuracy/compare.ts compare [--dataset tagtraum|genre2] [--seeds 3] [--folds 5]
//   npx tsx --conditions=source bench/accuracy/compare.ts fold0   [--dataset …]  (seed 0 / fold 0 only: the clean tuning check)
//   npx tsx --conditions=source bench/accuracy/compare.ts table   (the markdown table from the saved results)
//
// Protocol: for seed s, stratifiedGroupKFold(y, folds, { groups: artists, seed: s }); in each fold an
// artist-disjoint 15% of the training part is the validation set (early stopping, blend weights);
// median imputation and standard scaling are fitted on the training rows. Accuracy and macro-F1 are
// computed on the pooled out-of-fold predictions of each seed, then mean ± std over seeds.
// "tune" runs a TPE search for the MLP on the training part of seed 0's fold 0 only (its test fold
// never seen); the tuned MLP's configuration is then used in every fold — see README.md for
// what that means for its numbers.

import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@timbre/nn';
import {
  createModel,
  crossValPredict,
  escapeHtml,
  meanStd,
  MLP_SPACE,
  paramsToOptions,
  runSearch,
  searchReportSection,
  stratifiedGroupKFold,
  subsetDataset,
  type ModelOptions,
  type SearchResult,
} from '@timbre/genre';
import { loadGenre2, loadTagtraum, type RealDataset } from './real.js';

const here = dirname(fileURLToPath(import.meta.url));
const docs = join(here, 'results');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const dataDir = resolve(arg('data', join(here, '../../../shared/data')));
type DsName = 'tagtraum' | 'genre2';
const DATASETS: Record<DsName, { title: string; load: () => Promise<RealDataset>; mlpBudget: ModelOptions }> = {
  tagtraum: {
    title: 'msd10k-tagtraum-cd1-joined ⋈ timbre/pitch means (13 tagtraum classes)',
    load: () => loadTagtraum(dataDir),
    mlpBudget: { epochs: 200, patience: 20 },
  },
  genre2: {
    title: 'msd-genre-2class-subset (dance/electronica vs jazz/blues)',
    load: () => loadGenre2(dataDir),
    mlpBudget: { epochs: 40, patience: 8 },
  },
};

function datasetsFromArgs(): DsName[] {
  const d = arg('dataset', 'all');
  if (d === 'all') return ['tagtraum', 'genre2'];
  if (d !== 'tagtraum' && d !== 'genre2') throw new RangeError(`compare: --dataset must be tagtraum, genre2 or all, got ${d}`);
  return [d];
}

const tunedPath = (ds: DsName) => join(docs, `tuned-mlp-${ds}.json`);
const resultsPath = (ds: DsName, part = '') => join(docs, `measured-${ds}${part === '' ? '' : `.${part}`}.json`);

/** TPE search for the MLP on the training part of seed 0 / fold 0 (5 folds), 3-fold inner CV. */
async function tune(name: DsName): Promise<void> {
  const spec = DATASETS[name];
  const ds = await spec.load();
  const folds = stratifiedGroupKFold(ds.y, 5, { groups: ds.groups, seed: 0, classes: ds.classes });
  const trainPart = subsetDataset(ds, folds[0].train);
  const trials = Number(arg('trials', '12'));
  const journal = join(docs, `search-mlp-${name}.jsonl`);
  const objective = { model: 'mlp', options: { preset: 'default', ...spec.mlpBudget }, cv: { folds: 3, seed: 0, validFraction: 0.15 } };
  const t0 = performance.now();
  const result: SearchResult = await runSearch(trainPart, objective, {
    space: MLP_SPACE,
    strategy: 'tpe',
    trials,
    parallel: Number(arg('parallel', '2')),
    seed: 1,
    journal,
    onTrial: (t, resumed) =>
      console.log(
        `${name} trial ${t.index}${resumed ? ' (journal)' : ''}: F1 ${t.score.toFixed(4)} acc ${t.accuracy.toFixed(3)} ${JSON.stringify(t.params)} ${t.seconds.toFixed(1)}s`,
      ),
  });
  const seconds = (performance.now() - t0) / 1000;
  const options = paramsToOptions(result.best.params, objective.options);
  writeFileAtomic(
    tunedPath(name),
    JSON.stringify(
      {
        dataset: name,
        tunedOn: 'training part of seed 0, fold 0 of 5 (artist-disjoint); 3-fold inner CV',
        objective,
        best: result.best,
        options,
        trials: result.trials.length,
        seconds,
      },
      null,
      2,
    ) + '\n',
  );
  const sec = searchReportSection(result, `MLP search on ${spec.title}`);
  writeFileAtomic(
    join(docs, `search-mlp-${name}.html`),
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(sec.title)}</title>` +
      `<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:12px}</style></head>` +
      `<body><h1>${escapeHtml(sec.title)}</h1>${sec.html}</body></html>\n`,
  );
  console.log(`${name}: best trial ${result.best.index} F1 ${result.best.score.toFixed(4)} → ${JSON.stringify(options)} (${seconds.toFixed(0)} s)`);
}

interface Entry {
  label: string;
  model: string;
  options: ModelOptions;
  note?: string;
}

function entries(name: DsName): Entry[] {
  const budget = DATASETS[name].mlpBudget;
  let tuned: ModelOptions | null = null;
  if (existsSync(tunedPath(name))) tuned = JSON.parse(readFileSync(tunedPath(name), 'utf8')).options;
  const mlpDefault: ModelOptions = { preset: 'default', ...budget };
  const mlpBest = tuned ?? mlpDefault;
  const k = name === 'genre2' ? 3 : 5; // ensemble members (CPU budget)
  const list: Entry[] = [
    { label: 'majority class', model: 'majority', options: {} },
    { label: 'logistic regression (C=1)', model: 'logreg', options: {} },
    { label: 'logistic regression (C=1, balanced)', model: 'logreg', options: { classWeight: 'balanced' } },
    { label: 'random forest (200 trees)', model: 'rf', options: { nTrees: 200 } },
    { label: 'GBDT', model: 'gbdt', options: { nRounds: 300, learningRate: 0.05 } },
    { label: 'GBDT (balanced)', model: 'gbdt', options: { nRounds: 300, learningRate: 0.05, classWeight: 'balanced' } },
    {
      label: 'MLP seed preset',
      model: 'mlp',
      options: { preset: 'original', epochs: budget.epochs as number },
      note: `seed design, ${budget.epochs as number} epochs instead of 1000`,
    },
    { label: 'MLP default preset', model: 'mlp', options: mlpDefault },
  ];
  if (tuned !== null) list.push({ label: 'MLP tuned (TPE)', model: 'mlp', options: tuned });
  list.push(
    { label: `bagging ${k} × MLP`, model: 'bagging', options: { nEstimators: k, base: { model: 'mlp', options: mlpBest } } },
    { label: `seed ensemble ${k} × MLP`, model: 'seeds', options: { nEstimators: k, base: { model: 'mlp', options: mlpBest } } },
    { label: `SAMME ${k} × MLP`, model: 'samme', options: { nEstimators: k, base: { model: 'mlp', options: mlpBest } } },
    {
      label: `snapshot ensemble ${k} × MLP`,
      model: 'snapshot',
      options: snapshotOptions(mlpBest, k, name === 'genre2' ? 8 : 20),
      note: `one run, cyclic cosine LR, ${name === 'genre2' ? 8 : 20} epochs per cycle`,
    },
    {
      label: 'blend MLP + GBDT',
      model: 'blend',
      options: {
        members: [
          { model: 'mlp', options: mlpBest },
          { model: 'gbdt', options: { nRounds: 300, learningRate: 0.05 } },
        ],
      },
    },
    {
      label: 'blend MLP + GBDT + logreg',
      model: 'blend',
      options: {
        members: [
          { model: 'mlp', options: mlpBest },
          { model: 'gbdt', options: { nRounds: 300, learningRate: 0.05 } },
          { model: 'logreg', options: {} },
        ],
        step: 0.1,
      },
    },
  );
  return list;
}

/** The tuned MLP's architecture and optimiser settings for a snapshot run. */
function snapshotOptions(mlp: ModelOptions, count: number, epochsPerCycle: number): ModelOptions {
  const o: ModelOptions = { count, epochsPerCycle };
  for (const key of ['hidden', 'dropout', 'lr', 'weightDecay', 'batchSize', 'classWeights']) if (mlp[key] !== undefined) o[key] = mlp[key];
  if (o.hidden === undefined) o.hidden = [128, 64];
  return o;
}

interface Row {
  label: string;
  model: string;
  options: ModelOptions;
  note?: string;
  accuracy: number[];
  macroF1: number[];
  seconds: number[];
  /** CPU seconds of this process per seed (user + system): the machine is shared, wall time is not comparable. */
  cpuSeconds: number[];
}

async function compare(name: DsName): Promise<void> {
  const ds = await DATASETS[name].load();
  const seeds = Number(arg('seeds', '3')),
    folds = Number(arg('folds', '5'));
  const only = arg('only', '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const part = arg('part', '');
  console.log(ds.notes.join('\n'));
  const rows: Row[] = [];
  for (const e of entries(name)) {
    if (only.length > 0 && !only.some((o) => e.label.startsWith(o))) continue;
    const row: Row = { ...e, accuracy: [], macroF1: [], seconds: [], cpuSeconds: [] };
    for (let s = 0; s < seeds; s++) {
      const t0 = performance.now(),
        c0 = process.cpuUsage();
      const r = crossValPredict(ds, (seed) => createModel(e.model, e.options, seed), { folds, seed: s, validFraction: 0.15 });
      const c = process.cpuUsage(c0);
      row.seconds.push((performance.now() - t0) / 1000);
      row.cpuSeconds.push((c.user + c.system) / 1e6);
      row.accuracy.push(r.accuracy);
      row.macroF1.push(r.macroF1);
    }
    console.log(
      `${name} ${e.label.padEnd(40)} acc ${fmt(row.accuracy, 100, 1)}  F1 ${fmt(row.macroF1, 1, 3)}  ` +
        `cpu ${sum(row.cpuSeconds).toFixed(0)} s, wall ${sum(row.seconds).toFixed(0)} s`,
    );
    rows.push(row);
    writeFileAtomic(
      resultsPath(name, part),
      JSON.stringify({ dataset: name, title: DATASETS[name].title, notes: ds.notes, seeds, folds, rows }, null, 2) + '\n',
    );
  }
}

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);

function fmt(v: number[], scale: number, digits: number): string {
  const m = meanStd(v);
  return `${(m.mean * scale).toFixed(digits)} ± ${(m.std * scale).toFixed(digits)}`;
}

/** Rows of every results file of a dataset (measured-<ds>.json and measured-<ds>.<part>.json), in entry order. */
function loadRows(name: DsName): { title: string; notes: string[]; seeds: number; folds: number; rows: Row[] } | null {
  const files = readdirSync(docs).filter((f) => f.startsWith(`measured-${name}`) && f.endsWith('.json'));
  if (files.length === 0) return null;
  const all = files.map(
    (f) => JSON.parse(readFileSync(join(docs, f), 'utf8')) as { title: string; notes: string[]; seeds: number; folds: number; rows: Row[] },
  );
  const order = entries(name).map((e) => e.label);
  const rows = all.flatMap((a) => a.rows).sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));
  return { ...all[0], rows };
}

function table(): void {
  const parts: string[] = [];
  for (const name of ['tagtraum', 'genre2'] as DsName[]) {
    const r = loadRows(name);
    if (r === null) continue;
    parts.push(`### ${r.title}\n`);
    parts.push(
      `${r.notes
        .slice(1)
        .map((n) => n.replace(dataDir, '../shared/data'))
        .join('; ')}. ${r.folds}-fold artist-disjoint CV × ${r.seeds} seeds (mean ± std over seeds).\n`,
    );
    parts.push('| model | accuracy % | macro-F1 | CPU s (all folds × seeds) | wall s |');
    parts.push('|---|---|---|---|---|');
    const best = Math.max(...r.rows.map((x) => meanStd(x.macroF1).mean));
    for (const x of r.rows) {
      const f1 = meanStd(x.macroF1).mean;
      const b = f1 === best ? '**' : '';
      parts.push(
        `| ${x.label}${x.note ? ` (${x.note})` : ''} | ${fmt(x.accuracy, 100, 1)} | ${b}${fmt(x.macroF1, 1, 3)}${b} | ` +
          `${x.cpuSeconds ? sum(x.cpuSeconds).toFixed(0) : '—'} | ${sum(x.seconds).toFixed(0)} |`,
      );
    }
    parts.push('');
  }
  console.log(parts.join('\n'));
}

/**
 * The clean check of tuning: seed 0, fold 0 only — the fold whose training part the search used, so
 * its test artists were never seen while tuning. Same models as the table, one fit each.
 */
async function fold0(name: DsName): Promise<void> {
  const ds = await DATASETS[name].load();
  const pick = ['logistic regression (C=1)', 'GBDT', 'GBDT (balanced)', 'MLP seed preset', 'MLP default preset', 'MLP tuned (TPE)', 'blend MLP + GBDT'];
  const out: { label: string; accuracy: number; macroF1: number; cpuSeconds: number }[] = [];
  for (const e of entries(name).filter((x) => pick.includes(x.label))) {
    const c0 = process.cpuUsage();
    const r = crossValPredict(ds, (seed) => createModel(e.model, e.options, seed), { folds: 5, seed: 0, validFraction: 0.15, onlyFolds: [0] });
    const c = process.cpuUsage(c0);
    out.push({ label: e.label, accuracy: r.accuracy, macroF1: r.macroF1, cpuSeconds: (c.user + c.system) / 1e6 });
    console.log(`${name} fold0 ${e.label.padEnd(30)} acc ${(100 * r.accuracy).toFixed(1)} F1 ${r.macroF1.toFixed(3)}`);
  }
  writeFileAtomic(join(docs, `fold0-${name}.json`), JSON.stringify({ dataset: name, rows: out }, null, 2) + '\n');
}

const cmd = process.argv[2] ?? 'compare';
if (!existsSync(docs)) mkdirSync(docs, { recursive: true });
if (cmd === 'tune') for (const d of datasetsFromArgs()) await tune(d);
else if (cmd === 'compare') for (const d of datasetsFromArgs()) await compare(d);
else if (cmd === 'fold0') for (const d of datasetsFromArgs()) await fold0(d);
else if (cmd === 'table') table();
else throw new RangeError(`compare: unknown command ${cmd} (tune, compare, fold0 or table)`);
