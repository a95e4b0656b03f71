// Hyperparameter search (grid, random, TPE) with trials on worker threads, reproducible from a
// seed and resumable from an append-only JSONL journal.
//
// Reproducibility with parallel trials: trials run in batches of `parallel`; every trial of a batch
// is proposed from the trials of earlier batches only, with its own Rng(seed, index). So the
// proposals do not depend on which worker finishes first, and a resumed search replays exactly.
// Journal: line 1 is a header (strategy, seed, space, objective); each later line is one finished
// trial, appended with a single write. A torn last line (a crash mid-write) is ignored on resume.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { Rng, siblingModule } from '@timbre/tensor';
import { WorkerPool } from '../../parallel/pool.js';
import type { Dataset } from '../types.js';
import { writeFileAtomic } from '@timbre/nn';
import { evaluateTrial, type ObjectiveSpec, type TrialScore } from './objective.js';
import { checkSpace, gridPoints, sampleParams, type Params, type SearchSpace } from './space.js';
import { tpeSuggest, type TpeOptions } from './tpe.js';

/** How {@link runSearch} proposes trials: every grid point, random samples, or TPE. */
export type Strategy = 'grid' | 'random' | 'tpe';

/** Options of {@link runSearch}: the space, strategy, number of trials, threads, seed and the journal to resume from. */
export interface SearchOptions {
  readonly space: SearchSpace;
  readonly strategy: Strategy;
  /** Trials to run in total (grid: at most the grid size). */
  readonly trials: number;
  /** Worker threads (default 1 = run in this thread). */
  readonly parallel?: number;
  readonly seed?: number;
  /** JSONL journal path: created if absent, resumed if present. */
  readonly journal?: string;
  readonly tpe?: TpeOptions;
  /** Called after each finished trial (also for trials replayed from the journal, with resumed = true). */
  readonly onTrial?: (t: TrialRecord, resumed: boolean) => void;
}

/** One finished trial. */
export interface TrialRecord extends TrialScore {
  readonly index: number;
  readonly params: Params;
}

/** What {@link runSearch} returns: every trial, the best one, and the settings the search ran with. */
export interface SearchResult {
  readonly trials: TrialRecord[];
  readonly best: TrialRecord;
  readonly strategy: Strategy;
  readonly seed: number;
  readonly objective: ObjectiveSpec;
  /** Trials taken from the journal instead of being run. */
  readonly resumed: number;
}

/** The first line of a search journal: the settings a resumed search must match. */
export interface JournalHeader {
  type: 'header';
  version: 1;
  strategy: Strategy;
  seed: number;
  space: SearchSpace;
  objective: ObjectiveSpec;
}

const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, (x as Record<string, unknown>)[k]]),
        )
      : x,
  );

/** Reads a journal: its header and finished trials by index (a torn last line is dropped). */
export function readJournal(path: string): { header: JournalHeader; trials: Map<number, TrialRecord>; torn: boolean } {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const complete = lines.slice(0, -1); // the last piece is '' (clean end) or a torn line
  const torn = !text.endsWith('\n');
  if (complete.length === 0) throw new Error(`search: journal ${path} has no header line`);
  let header: JournalHeader;
  try {
    header = JSON.parse(complete[0]);
  } catch {
    throw new Error(`search: journal ${path}: line 1 is not JSON`);
  }
  if (header.type !== 'header' || header.version !== 1) throw new Error(`search: journal ${path}: line 1 is not a version-1 search header`);
  const trials = new Map<number, TrialRecord>();
  for (let i = 1; i < complete.length; i++) {
    if (complete[i] === '') continue;
    let t: TrialRecord & { type?: string };
    try {
      t = JSON.parse(complete[i]);
    } catch {
      throw new Error(`search: journal ${path}: line ${i + 1} is not JSON (a corrupt journal; start a new file)`);
    }
    if (t.type !== 'trial' || !Number.isInteger(t.index)) throw new Error(`search: journal ${path}: line ${i + 1} is not a trial record`);
    const { type: _t, ...rec } = t;
    trials.set(t.index, rec);
  }
  return { header, trials, torn };
}

function checkOptions(o: SearchOptions): void {
  checkSpace(o.space);
  if (!['grid', 'random', 'tpe'].includes(o.strategy)) throw new RangeError(`search: strategy must be grid, random or tpe, got ${o.strategy}`);
  if (!Number.isInteger(o.trials) || o.trials < 1) throw new RangeError(`search: trials must be a positive integer, got ${o.trials}`);
  const p = o.parallel ?? 1;
  if (!Number.isInteger(p) || p < 1 || p > 64) throw new RangeError(`search: parallel must be an integer in [1, 64], got ${p}`);
}

/**
 * Runs (or resumes) a search maximising cross-validated macro-F1 of `objective` on `dataset`.
 * Pass only the training part of your data: the search never needs the test rows.
 *
 * ```ts
 * const r = await runSearch(trainPart, { model: 'mlp', options: { epochs: 100, patience: 10 } },
 *   { space: MLP_SPACE, strategy: 'tpe', trials: 20, parallel: 2, seed: 1, journal: 'search.jsonl' });
 * console.log(r.best.params, r.best.score);
 * ```
 */
export async function runSearch(dataset: Dataset, objective: ObjectiveSpec, options: SearchOptions): Promise<SearchResult> {
  checkOptions(options);
  const { space, strategy } = options;
  const seed = options.seed ?? 0;
  const parallel = options.parallel ?? 1;
  const grid = strategy === 'grid' ? gridPoints(space) : null;
  const total = grid === null ? options.trials : Math.min(options.trials, grid.length);
  const header: JournalHeader = { type: 'header', version: 1, strategy, seed, space, objective };
  let done = new Map<number, TrialRecord>();
  if (options.journal !== undefined) {
    if (existsSync(options.journal)) {
      const j = readJournal(options.journal);
      for (const key of ['strategy', 'seed', 'space', 'objective'] as const) {
        if (canon(j.header[key]) !== canon(header[key])) {
          throw new Error(`search: journal ${options.journal} belongs to a different search (its ${key} differs); use a new journal file or the same settings`);
        }
      }
      done = j.trials;
      if (j.torn) {
        // drop the torn tail so the next append starts on a fresh line
        const text = readFileSync(options.journal, 'utf8');
        writeFileAtomic(options.journal, text.slice(0, text.lastIndexOf('\n') + 1));
      }
    } else {
      writeFileAtomic(options.journal, JSON.stringify(header) + '\n');
    }
  }
  const startup = options.tpe?.startup ?? Math.max(5, parallel);
  const propose = (index: number, history: TrialRecord[]): Params => {
    if (grid !== null) return grid[index];
    const rng = new Rng(seed * 1_000_003 + index);
    if (strategy === 'random') return sampleParams(space, rng);
    return tpeSuggest(space, history, rng, { ...options.tpe, startup });
  };
  const data: Dataset = {
    x: dataset.x,
    y: dataset.y,
    rows: dataset.rows,
    features: dataset.features,
    classes: dataset.classes,
    ...(dataset.groups ? { groups: dataset.groups } : {}),
  };
  const pool =
    parallel > 1
      ? await WorkerPool.start<Params, TrialScore>('search', siblingModule(import.meta.url, 'worker'), parallel, { dataset: data, objective })
      : null;
  const finished: TrialRecord[] = [];
  let resumed = 0;
  try {
    for (let start = 0; start < total; start += parallel) {
      const history = finished.slice(); // trials of earlier batches only
      const todo: { index: number; params: Params }[] = [];
      for (let index = start; index < Math.min(total, start + parallel); index++) {
        const params = propose(index, history);
        const old = done.get(index);
        if (old !== undefined) {
          if (canon(old.params) !== canon(params)) {
            throw new Error(`search: journal ${options.journal}: trial ${index} has params ${canon(old.params)} but this search proposes ${canon(params)}`);
          }
          finished.push(old);
          resumed++;
          options.onTrial?.(old, true);
        } else {
          todo.push({ index, params });
        }
      }
      const record = (k: number, score: TrialScore): void => {
        const rec: TrialRecord = { index: todo[k].index, params: todo[k].params, ...score };
        if (options.journal !== undefined) appendFileSync(options.journal, JSON.stringify({ type: 'trial', ...rec }) + '\n');
        finished.push(rec);
        options.onTrial?.(rec, false);
      };
      if (pool !== null)
        await pool.run(
          todo.map((t) => t.params),
          { onResult: record },
        );
      else todo.forEach((t, k) => record(k, evaluateTrial(dataset, objective, t.params)));
      finished.sort((a, b) => a.index - b.index);
    }
  } finally {
    await pool?.close();
  }
  let best = finished[0];
  for (const t of finished) if (t.score > best.score) best = t;
  return { trials: finished, best, strategy, seed, objective, resumed };
}
