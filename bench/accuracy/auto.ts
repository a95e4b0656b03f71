// The model chooser on the real labelled sets: chooseModel with a nested, artist-disjoint estimate,
// every candidate's inner cross-validated scores, the majority class, and the expected calibration
// error before and after temperature scaling.
//
//   npx tsx --conditions=source bench/accuracy/auto.ts [--dataset tagtraum|tagtraum-summaries|genre2|all] [--outer 5] [--budget 60] [--seed 1]
//   npx tsx --conditions=source bench/accuracy/auto.ts --dataset genre2 --outer 0 --budget 120 --refit   (what a default train costs)
//
// --refit times the train step as deployed: the choice on all rows, then the winner fitted on all
// rows (an artist-disjoint 15 % kept for early stopping) and wrapped with its temperature.
//
// tagtraum: every labelled song of msd10k-tagtraum-cd1-joined (songs without timbre/pitch means keep
// NaN there plus timbre_missing / pitch_missing indicators; empty song-level fields get a
// <field>_missing indicator), classes with fewer than 10 songs dropped, as the pipeline's
// --min-class-count 10 does. tagtraum-summaries: only the songs with timbre/pitch means (no
// indicators), the rows the pipeline's earlier numbers were measured on. genre2: msd-genre-2class-subset (truncated rows rejected).
// Results: results/auto-<set>.json.

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '@timbre/nn';
import {
  CalibratedClassifier,
  chooseModel,
  createModel,
  fitDatasetScaler,
  formatMeanStd,
  scaleDataset,
  subsetDataset,
  trainValidTestSplit,
  type ChooseResult,
  type Dataset,
} from '@timbre/genre';
import { loadGenre2, loadTagtraum, type RealDataset } from './real.js';

const here = dirname(fileURLToPath(import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const dataDir = resolve(arg('data', join(here, '../../../shared/data')));

/** Appends `<name>_missing` indicators (1 = missing) for columns with NaN; audio groups get one indicator each. */
function withMissingIndicators(ds: RealDataset): RealDataset {
  const F = ds.features,
    n = ds.rows;
  const extra: { name: string; cols: number[] }[] = [];
  const audio = new Map<string, number[]>();
  for (let f = 0; f < F; f++) {
    let missing = false;
    for (let r = 0; r < n && !missing; r++) missing = Number.isNaN(ds.x[r * F + f]);
    if (!missing) continue;
    const name = ds.featureNames[f];
    const g = /^(timbre|pitch)_/.exec(name)?.[1];
    if (g !== undefined) {
      if (!audio.has(g)) audio.set(g, []);
      audio.get(g)!.push(f);
    } else extra.push({ name: `${name}_missing`, cols: [f] });
  }
  for (const [g, cols] of audio) extra.push({ name: `${g}_missing`, cols });
  const F2 = F + extra.length;
  const x = new Float32Array(n * F2);
  for (let r = 0; r < n; r++) {
    x.set(ds.x.subarray(r * F, r * F + F), r * F2);
    extra.forEach((e, j) => {
      x[r * F2 + F + j] = e.cols.some((c) => Number.isNaN(ds.x[r * F + c])) ? 1 : 0;
    });
  }
  return {
    ...ds,
    x,
    features: F2,
    featureNames: [...ds.featureNames, ...extra.map((e) => e.name)],
    notes: [...ds.notes, `missing indicators: ${extra.map((e) => e.name).join(', ')}`],
  };
}

/** Drops classes with fewer than `min` rows and renumbers the rest. */
function dropRareClasses(ds: RealDataset, min: number): RealDataset {
  const counts = new Array<number>(ds.classes).fill(0);
  for (let i = 0; i < ds.rows; i++) counts[ds.y[i]]++;
  const keep = counts.map((c) => c >= min);
  const newId = new Map<number, number>();
  ds.classNames.forEach((_, c) => {
    if (keep[c]) newId.set(c, newId.size);
  });
  const rows: number[] = [];
  for (let i = 0; i < ds.rows; i++) if (keep[ds.y[i]]) rows.push(i);
  const F = ds.features;
  const x = new Float32Array(rows.length * F);
  rows.forEach((i, r) => x.set(ds.x.subarray(i * F, i * F + F), r * F));
  const dropped = ds.classNames.filter((_, c) => !keep[c]).map((c) => `${c} (${counts[ds.classNames.indexOf(c)]})`);
  return {
    ...ds,
    x,
    y: Int32Array.from(rows, (i) => newId.get(ds.y[i])!),
    rows: rows.length,
    classes: newId.size,
    classNames: ds.classNames.filter((_, c) => keep[c]),
    groups: rows.map((i) => ds.groups[i]),
    notes: [...ds.notes, `dropped classes with fewer than ${min} songs: ${dropped.join(', ') || 'none'}; ${rows.length} rows, ${newId.size} classes`],
  };
}

const pct = (v: number): string => (100 * v).toFixed(1);

function printResult(name: string, ds: Dataset, r: ChooseResult): void {
  console.log(`\n## ${name}: ${ds.rows} rows, ${ds.features} features, ${ds.classes} classes\n`);
  console.log('| candidate | inner macro-F1 (pooled) | inner macro-F1 (folds) | inner accuracy (pooled) | inner accuracy (folds) | s | chosen options |');
  console.log('|---|---|---|---|---|---|---|');
  for (const c of r.candidates) {
    if (c.status === 'skipped') {
      console.log(`| ${c.name} | skipped (budget) | | | | ${c.seconds.toFixed(1)} | |`);
      continue;
    }
    console.log(
      `| ${c.name === r.chosen.name ? `**${c.name}**` : c.name} | ${pct(c.macroF1)} | ${formatMeanStd(c.foldMacroF1!)} | ${pct(c.accuracy)} | ${formatMeanStd(c.foldAccuracy!)} | ${c.seconds.toFixed(1)} | \`${JSON.stringify(c.choice!.options)}\` |`,
    );
  }
  console.log(`\nchosen on all rows: ${r.chosen.name} (${r.chosen.model}), temperature ${r.temperature.toFixed(3)}`);
  if (r.outer !== null) {
    const o = r.outer;
    console.log(
      `nested estimate (${o.folds} artist-disjoint outer folds, pooled): accuracy ${pct(o.accuracy)} %, macro-F1 ${pct(o.macroF1)} %; ` +
        `per fold ${formatMeanStd(o.foldAccuracy)} / ${formatMeanStd(o.foldMacroF1)}`,
    );
    console.log(`majority class (each outer training part's): accuracy ${pct(o.majorityAccuracy)} %, macro-F1 ${pct(o.majorityMacroF1)} %`);
    console.log(
      `ECE (15 bins): ${pct(o.ece)} % raw, ${pct(o.eceCalibrated)} % calibrated (each fold's temperature from its own inner out-of-fold probabilities)`,
    );
    console.log(`chosen per outer fold: ${o.chosen.join(', ')}`);
  }
  console.log(`seconds: ${r.seconds.toFixed(1)} in all; the choice on all rows: ${r.candidates.reduce((s, c) => s + c.seconds, 0).toFixed(1)}`);
}

async function main(): Promise<void> {
  const which = arg('dataset', 'all');
  const outerFolds = Number(arg('outer', '5'));
  const budgetSeconds = Number(arg('budget', 'Infinity'));
  const seed = Number(arg('seed', '1'));
  const sets: { name: string; load: () => Promise<RealDataset> }[] = [];
  if (which === 'all' || which === 'tagtraum') {
    sets.push({ name: 'tagtraum', load: async () => dropRareClasses(withMissingIndicators(await loadTagtraum(dataDir, { keepMissingAudio: true })), 10) });
  }
  if (which === 'tagtraum-summaries') {
    sets.push({ name: 'tagtraum-summaries', load: async () => dropRareClasses(await loadTagtraum(dataDir), 10) });
  }
  if (which === 'all' || which === 'genre2') sets.push({ name: 'genre2', load: () => loadGenre2(dataDir) });
  if (sets.length === 0) throw new RangeError(`auto: --dataset must be tagtraum, tagtraum-summaries, genre2 or all, got ${which}`);
  mkdirSync(join(here, 'results'), { recursive: true });
  for (const s of sets) {
    const ds = await s.load();
    for (const note of ds.notes) console.log(note);
    const r = chooseModel(ds, { outerFolds, budgetSeconds, seed, onProgress: (line) => console.error(`[${s.name}] ${line}`) });
    printResult(s.name, ds, r);
    if (process.argv.includes('--refit')) {
      const t0 = performance.now();
      const split = trainValidTestSplit(ds.y, { groups: ds.groups, validFraction: 0.15, testFraction: 0, seed, classes: ds.classes });
      const scaler = fitDatasetScaler(subsetDataset(ds, split.train));
      const model = new CalibratedClassifier(createModel(r.chosen.model, r.chosen.options, seed), r.temperature);
      model.fit(scaleDataset(scaler, subsetDataset(ds, split.train)), scaleDataset(scaler, subsetDataset(ds, split.valid)));
      const refit = (performance.now() - t0) / 1000;
      console.log(`refit of ${r.chosen.name} on all rows: ${refit.toFixed(1)} s; choice + refit: ${(r.seconds + refit).toFixed(1)} s`);
    }
    const { proba: _p, calibratedProba: _c, fold: _f, ...outer } = r.outer ?? { proba: null, calibratedProba: null, fold: null };
    writeFileAtomic(
      join(here, 'results', `auto-${s.name}.json`),
      JSON.stringify(
        {
          dataset: s.name,
          notes: ds.notes,
          outerFolds,
          budgetSeconds: String(budgetSeconds),
          seed,
          node: process.version,
          chosen: r.chosen,
          temperature: r.temperature,
          candidates: r.candidates,
          outer: r.outer === null ? null : outer,
          seconds: r.seconds,
        },
        null,
        2,
      ) + '\n',
    );
  }
}

await main();
