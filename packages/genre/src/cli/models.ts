// CLI commands for the model zoo: `models` (list), `compare` (artist-disjoint CV table of several
// models), `search` (grid/random/TPE hyperparameter search on worker threads, resumable) and
// `fit` (train any registered model on a preprocessed CSV's train split, score its test split).
// Wire them into the main program with addModelCommands(program).

import { Command, InvalidArgumentError } from 'commander';
import type { Dataset } from '../ml/types.js';
import { createModel, listModels, type ModelOptions } from '../ml/registry.js';
import { loadGenre2, loadTagtraum } from '../ml/real.js';
import { stratifiedGroupKFold, subsetDataset } from '../ml/split.js';
import { writeFileAtomic } from '@timbre/nn';
import { applyStandardizer, fitStandardizer } from '../ml/real.js';
import { argmaxRows, evaluatePredictions, majorityBaseline } from '../ml/metrics.js';
import { meanStd } from '../ml/summary.js';
import { readPrepared } from '../preprocess/preprocess.js';
import { crossValPredict } from '../ml/cv.js';
import { runSearch, type Strategy } from '../ml/search/search.js';
import { GBDT_SPACE, MLP_SPACE, paramsToOptions, type SearchSpace } from '../ml/search/space.js';
import { searchReportSection } from '../report/search.js';
import { escapeHtml } from '../report/svg.js';

const int = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${v}"`);
  return n;
};

function jsonArg(name: string) {
  return (v: string): ModelOptions => {
    try {
      const o = JSON.parse(v);
      if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('not an object');
      return o as ModelOptions;
    } catch (e) {
      throw new InvalidArgumentError(`${name} must be a JSON object such as '{"nRounds":300}', got "${v}" (${(e as Error).message})`);
    }
  };
}

function print(json: boolean | undefined, human: string, obj: unknown): void {
  process.stdout.write((json ? JSON.stringify(obj, null, 1) : human) + '\n');
}

/** Rows of a preprocessed CSV (optionally without its test split) as an unscaled Dataset. */
async function preparedDataset(file: string, withoutTest: boolean): Promise<Dataset> {
  const data = await readPrepared(file);
  const F = data.featureNames.length;
  const keep: number[] = [];
  for (let i = 0; i < data.rows; i++) if (!withoutTest || data.split[i] !== 2) keep.push(i);
  const x = new Float32Array(keep.length * F);
  keep.forEach((r, k) => { for (let f = 0; f < F; f++) x[k * F + f] = data.x[r * F + f]; });
  return {
    x, y: Int32Array.from(keep, (r) => data.y[r]), rows: keep.length, features: F, classes: data.classNames.length,
    featureNames: data.featureNames, classNames: data.classNames, groups: keep.map((r) => data.groups[r] || `row${r}`),
  };
}

/** --real tagtraum|genre2 (a loader from ../shared/data) or a preprocessed CSV. */
async function inputDataset(file: string | undefined, o: { real?: string; data: string }, withoutTest: boolean): Promise<{ ds: Dataset; source: string }> {
  if (o.real !== undefined) {
    if (o.real === 'tagtraum') return { ds: loadTagtraum(o.data), source: `tagtraum (${o.data})` };
    if (o.real === 'genre2') return { ds: loadGenre2(o.data), source: `genre2 (${o.data})` };
    throw new Error(`--real must be tagtraum or genre2, got "${o.real}"`);
  }
  if (file === undefined) throw new Error('give a preprocessed CSV or --real tagtraum|genre2');
  return { ds: await preparedDataset(file, withoutTest), source: file };
}

/**
 * Registers `models`, `compare`, `search` and `fit` on a commander program.
 *
 * ```ts
 * const program = new Command('timbre');
 * addModelCommands(program);
 * ```
 */
export function addModelCommands(program: Command): Command {
  program.command('models')
    .description('list the registered models (usable with --model / --models)')
    .option('--json', 'print JSON')
    .action((o) => {
      const list = listModels();
      print(o.json, list.map((m) => `${m.name.padEnd(10)} ${m.description}`).join('\n'), list);
    });

  program.command('compare')
    .description('artist-disjoint cross-validation of several models: accuracy and macro-F1, mean ± std over seeds, wall time')
    .argument('[preprocessed]', 'preprocessed_data.csv (all rows are cross-validated unless --without-test)')
    .option('--real <name>', 'use a real labelled set from --data instead: tagtraum or genre2')
    .option('--data <dir>', 'the shared data folder', '../shared/data')
    .option('--models <list>', 'comma-separated registered model names', 'majority,logreg,rf,gbdt,mlp')
    .option('--options <json>', 'per-model options, e.g. \'{"gbdt":{"nRounds":300},"mlp":{"epochs":100}}\'', jsonArg('--options'), {})
    .option('--folds <k>', 'folds', int('--folds'), 5)
    .option('--seeds <n>', 'seeds (fold assignments and model seeds 0..n-1)', int('--seeds'), 3)
    .option('--without-test', 'leave the preprocessed test split out')
    .option('--json', 'print JSON')
    .action(async (file: string | undefined, o) => {
      const { ds, source } = await inputDataset(file, o, !!o.withoutTest);
      const names = String(o.models).split(',').map((s) => s.trim()).filter(Boolean);
      const rows: { model: string; accuracy: ReturnType<typeof meanStd>; macroF1: ReturnType<typeof meanStd>; seconds: number }[] = [];
      for (const name of names) {
        createModel(name, (o.options as Record<string, ModelOptions>)[name] ?? {}, 0); // fail fast on a bad name/options
        const acc: number[] = [], f1: number[] = [];
        const t0 = performance.now();
        for (let s = 0; s < o.seeds; s++) {
          const r = crossValPredict(ds, (seed) => createModel(name, (o.options as Record<string, ModelOptions>)[name] ?? {}, seed), { folds: o.folds, seed: s });
          acc.push(r.accuracy); f1.push(r.macroF1);
        }
        rows.push({ model: name, accuracy: meanStd(acc), macroF1: meanStd(f1), seconds: (performance.now() - t0) / 1000 });
        if (!o.json) process.stderr.write(`  ${name} done\n`);
      }
      const human = [`${source}: ${ds.rows} rows, ${ds.classes} classes; ${o.folds}-fold artist-disjoint CV × ${o.seeds} seeds`,
        'model        accuracy %     macro-F1        seconds',
        ...rows.map((r) => `${r.model.padEnd(12)} ${(100 * r.accuracy.mean).toFixed(1)} ± ${(100 * r.accuracy.std).toFixed(1)}   ` +
          `${r.macroF1.mean.toFixed(3)} ± ${r.macroF1.std.toFixed(3)}   ${r.seconds.toFixed(1)}`)].join('\n');
      print(o.json, human, { source, rows: ds.rows, classes: ds.classes, folds: o.folds, seeds: o.seeds, results: rows });
    });

  program.command('search')
    .description('hyperparameter search (grid, random or TPE) maximising artist-disjoint CV macro-F1 on the training rows only')
    .argument('[preprocessed]', 'preprocessed_data.csv (its test split is never used)')
    .option('--real <name>', 'use a real labelled set from --data: tagtraum or genre2 (fold 0 of 5 is held out, never searched on)')
    .option('--data <dir>', 'the shared data folder', '../shared/data')
    .option('--model <name>', 'model to tune: mlp or gbdt (or any registered model with --space)', 'mlp')
    .option('--space <json>', 'search space JSON (default: the built-in space of --model)', jsonArg('--space'))
    .option('--options <json>', 'fixed model options, e.g. \'{"epochs":100,"patience":10}\'', jsonArg('--options'), {})
    .option('--strategy <s>', 'tpe, random or grid', 'tpe')
    .option('--trials <n>', 'trials', int('--trials'), 20)
    .option('--parallel <n>', 'worker threads', int('--parallel'), 2)
    .option('--folds <k>', 'cross-validation folds per trial', int('--folds'), 3)
    .option('--seed <n>', 'search seed', int('--seed'), 0)
    .option('--journal <file>', 'JSONL journal: resumes an interrupted search with the same settings')
    .option('--report <html>', 'write the results table and plot as an HTML page')
    .option('--json', 'print JSON')
    .action(async (file: string | undefined, o) => {
      let { ds, source } = await inputDataset(file, o, true);
      if (o.real !== undefined) {
        const folds = stratifiedGroupKFold(ds.y, 5, { groups: ds.groups, seed: 0, classes: ds.classes });
        ds = subsetDataset(ds, folds[0].train);
        source += ' minus fold 0 of 5 (held out)';
      }
      if (!['tpe', 'random', 'grid'].includes(o.strategy)) throw new Error(`--strategy must be tpe, random or grid, got "${o.strategy}"`);
      const space: SearchSpace | undefined = (o.space as SearchSpace | undefined) ?? (o.model === 'mlp' ? MLP_SPACE : o.model === 'gbdt' ? GBDT_SPACE : undefined);
      if (space === undefined) throw new Error(`--model ${o.model} has no built-in space: pass --space`);
      const objective = { model: o.model as string, options: o.options as ModelOptions, cv: { folds: o.folds, seed: o.seed } };
      const result = await runSearch(ds, objective, {
        space, strategy: o.strategy as Strategy, trials: o.trials, parallel: o.parallel, seed: o.seed, ...(o.journal ? { journal: o.journal } : {}),
        onTrial: (t, resumed) => { if (!o.json) process.stderr.write(`  trial ${t.index}${resumed ? ' (journal)' : ''}: macro-F1 ${t.score.toFixed(4)}\n`); },
      });
      if (o.report) {
        const sec = searchReportSection(result);
        writeFileAtomic(o.report, `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(sec.title)}</title></head><body><h1>${escapeHtml(sec.title)}</h1>${sec.html}</body></html>\n`);
      }
      const best = { ...result.best, options: paramsToOptions(result.best.params, objective.options) };
      print(o.json, [`${source}: ${ds.rows} rows; ${result.trials.length} trials (${result.resumed} from the journal)`,
        `best trial ${best.index}: CV macro-F1 ${best.score.toFixed(4)}, accuracy ${(100 * best.accuracy).toFixed(1)} %`,
        `options: ${JSON.stringify(best.options)}`].join('\n'), { source, rows: ds.rows, best, trials: result.trials });
    });

  program.command('fit')
    .description('train a registered model (--model) on the train split of a preprocessed CSV and score its test split')
    .argument('<preprocessed>', 'preprocessed_data.csv')
    .requiredOption('--model <name>', 'registered model: logreg, gbdt, rf, mlp, bagging, seeds, samme, blend, voting, majority')
    .option('--options <json>', 'model options JSON', jsonArg('--options'), {})
    .option('--seed <n>', 'model seed', int('--seed'), 0)
    .option('-o, --output <json>', 'save the fitted model as JSON (models with toJSON: gbdt, rf)')
    .option('--json', 'print JSON')
    .action(async (file: string, o) => {
      const data = await readPrepared(file);
      const F = data.featureNames.length;
      const part = (s: number): Dataset => {
        const idx: number[] = [];
        for (let i = 0; i < data.rows; i++) if (data.split[i] === s) idx.push(i);
        const x = new Float32Array(idx.length * F);
        idx.forEach((r, k) => { for (let f = 0; f < F; f++) x[k * F + f] = data.x[r * F + f]; });
        return { x, y: Int32Array.from(idx, (r) => data.y[r]), rows: idx.length, features: F, classes: data.classNames.length, featureNames: data.featureNames, classNames: data.classNames };
      };
      const trainRaw = part(0), validRaw = part(1), testRaw = part(2);
      if (trainRaw.rows === 0 || testRaw.rows === 0) throw new Error(`fit: ${file} needs train and test rows (split column)`);
      const sc = fitStandardizer(trainRaw);
      const train = applyStandardizer(sc, trainRaw), test = applyStandardizer(sc, testRaw);
      const valid = validRaw.rows > 0 ? applyStandardizer(sc, validRaw) : undefined;
      const model = createModel(o.model, o.options as ModelOptions, o.seed);
      const t0 = performance.now();
      model.fit(train, valid);
      const seconds = (performance.now() - t0) / 1000;
      const m = evaluatePredictions(test.y, argmaxRows(model.predictProba(test.x, test.rows), test.classes), test.classes);
      const base = majorityBaseline(train.y, test.y, test.classes);
      if (o.output) {
        const j = (model as { toJSON?: () => object }).toJSON;
        if (j === undefined) throw new Error(`fit: model ${o.model} cannot be saved as JSON (use \`timbre train\` for MLPs)`);
        writeFileAtomic(o.output, JSON.stringify({ format: 'timbre-genre-classic-model', version: 1, model: o.model, featureNames: data.featureNames, classNames: data.classNames, scaler: { median: Array.from(sc.median), mean: Array.from(sc.mean), std: Array.from(sc.std) }, fitted: j.call(model) }) + '\n');
      }
      print(o.json, [`${o.model}: test accuracy ${(100 * m.accuracy).toFixed(1)} %, macro-F1 ${m.macroF1.toFixed(3)} (${seconds.toFixed(1)} s)`,
        `majority class: accuracy ${(100 * base.accuracy).toFixed(1)} %, macro-F1 ${base.macroF1.toFixed(3)}`].join('\n'),
      { model: o.model, seconds, test: { accuracy: m.accuracy, macroF1: m.macroF1, balancedAccuracy: m.balancedAccuracy }, baseline: { accuracy: base.accuracy, macroF1: base.macroF1 } });
    });
  return program;
}
