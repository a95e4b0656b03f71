// Whole-table stages at MSD scale, each a child process measured for wall seconds and peak RSS: `timbre preprocess
// --features song` vs the same steps in pandas (bench/pandas_preprocess.py) on 10k, 100k and 1M-row tables
// (bench/scale-table.ts), `timbre predict` of the 1M rows with a saved default model, and a training epoch of the
// default MLP on 700k rows vs PyTorch on one thread. Writes bench/results/scale.json:
// [{ bench: "preprocess-1m" | "predict-1m" | "train-epoch-700k" | …, impl, seconds, peakMB, … }].
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPrepared } from '@timbre/genre';
import type { BenchOptions } from './run.js';
import { formatMachine, machineInfo } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/table.js';
import { median } from './lib/timing.js';
import { CACHE_DIR, SOURCE_TABLE, cachedScaleTable } from './scale-table.js';

type Impl = 'timbre' | 'pandas' | 'pytorch';
interface ScaleRecord {
  bench: string;
  impl: Impl;
  /** Wall seconds of the whole child process (median over runs); for train rows, one epoch. */
  seconds: number;
  /** Peak resident set size of the child process, MB (10^6 bytes; the largest over runs). */
  peakMB: number;
  /** User + system CPU seconds of the child (same run as `seconds`). */
  cpuSeconds?: number;
  rows: number;
  runs: number;
  msPerEpoch?: number;
  /** The child's error when the stage could not finish; seconds and peakMB then run until it failed. */
  failed?: string;
}

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(benchDir, '..');
const PYTHON = '/usr/bin/python3';
const GNU_TIME = '/usr/bin/time';
// The `npm run timbre` command, without npm in between (npm would be the measured process, not node).
const NODE_TS = [process.execPath, '--single-threaded-gc', '--import', 'tsx', '--conditions=source'];
const TIMBRE = [...NODE_TS, 'packages/genre/src/cli/main.ts'];

// Tables: copies of the 1,082-row source. 925 copies = 1,000,850 rows.
const SIZES = [
  { label: '10k', copies: 10 },
  { label: '100k', copies: 93 },
  { label: '1m', copies: 925 },
] as const;

interface ChildRun {
  seconds: number;
  peakMB: number;
  cpuSeconds: number;
  stdout: string /** Set when the child exited non-zero (only with mayFail). */;
  failed?: string;
}

const loadSamples: number[] = [];
const sampleLoad = (): void => {
  loadSamples.push(Math.round(os.loadavg()[0] * 100) / 100);
};

/**
 * Runs a command from the repository root and measures it: wall time around the child, and peak RSS and CPU time
 * from GNU time (`%M` = the child's ru_maxrss) or, without it, the child's /proc/<pid>/status VmHWM (the kernel's
 * high-water mark of its RSS) polled every 20 ms.
 */
async function measureChild(argv: readonly string[], what: string, mayFail = false): Promise<ChildRun> {
  sampleLoad();
  const useTime = existsSync(GNU_TIME);
  const timeFile = path.join(CACHE_DIR, `time-${process.pid}.txt`);
  const cmd = useTime ? [GNU_TIME, '-f', '%M %U %S', '-o', timeFile, ...argv] : [...argv];
  const t0 = performance.now();
  const child = spawn(cmd[0], cmd.slice(1), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const out: Buffer[] = [],
    err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  let hwmKb = 0;
  const poll = useTime
    ? null
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
        } catch {
          /* the child has exited */
        }
      }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const seconds = (performance.now() - t0) / 1000;
  if (poll !== null) clearInterval(poll);
  sampleLoad();
  const stdout = Buffer.concat(out).toString('utf8');
  const failed = code === 0 ? undefined : `exited with ${code}: ${Buffer.concat(err).toString('utf8').trim().split('\n').slice(-5).join('\n')}`;
  if (failed !== undefined && !mayFail) throw new Error(`scale bench: ${what} ${failed}`);
  const tail = failed === undefined ? {} : { failed };
  if (!useTime) return { seconds, peakMB: (hwmKb * 1024) / 1e6, cpuSeconds: NaN, stdout, ...tail };
  // GNU time writes "Command exited with non-zero status N" before the format line when the child fails.
  const [maxKb, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(timeFile, { force: true });
  return { seconds, peakMB: (maxKb * 1024) / 1e6, cpuSeconds: user + sys, stdout, ...tail };
}

/** Data lines of a CSV (newlines after the header; none of the files compared here has quoted newlines). */
async function csvDataLines(file: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n - 1;
}

/** The header line (within the first 64 KiB). */
function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(65536);
    const n = readSync(fd, b, 0, b.length, 0);
    const s = b.subarray(0, n).toString('utf8');
    return s.slice(0, s.indexOf('\n'));
  } finally {
    closeSync(fd);
  }
}

interface PandasSummary {
  kept: number;
  features: string[];
  train: number;
  valid: number;
  test: number;
  means: Record<string, number>;
}

/**
 * timbre's and the pandas peer's outputs on the same table hold the same rows and feature columns, and the pandas
 * peer's encoded values (before its fill and scaling) have the same per-feature means as timbre's output.
 */
async function checkSameWork(timbreOut: string, pandasSummary: PandasSummary): Promise<{ features: number; classes: number }> {
  const d = await readPrepared(timbreOut);
  if (d.rows !== pandasSummary.kept)
    throw new Error(`scale bench: timbre kept ${d.rows} rows, pandas ${pandasSummary.kept}: the peers do not do the same work`);
  if (d.featureNames.join(',') !== pandasSummary.features.join(',')) {
    throw new Error(`scale bench: feature columns differ:\n  timbre ${d.featureNames.join(',')}\n  pandas ${pandasSummary.features.join(',')}`);
  }
  const F = d.featureNames.length;
  for (let f = 0; f < F; f++) {
    let sum = 0,
      n = 0;
    for (let i = 0; i < d.rows; i++) {
      const v = d.x[i * F + f];
      if (!Number.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    const name = d.featureNames[f],
      ours = sum / n,
      theirs = pandasSummary.means[name];
    if (!(Math.abs(ours - theirs) <= 1e-9 * Math.max(1, Math.abs(ours)))) throw new Error(`scale bench: mean of ${name}: timbre ${ours}, pandas ${theirs}`);
  }
  const trainShare = pandasSummary.train / pandasSummary.kept;
  if (!(trainShare > 0.6 && trainShare < 0.8))
    throw new Error(`scale bench: the pandas artist-hash split put ${trainShare} of the rows in train, expected about 0.7`);
  return { features: F, classes: d.classNames.length };
}

const wroteRows = (stdout: string): number => Number(/wrote (\d+) rows/.exec(stdout)?.[1] ?? NaN);

export async function run(opts: BenchOptions): Promise<void> {
  const { quick } = opts;
  const only = opts.only ?? [];
  const want = (s: string) => only.length === 0 || only.some((o) => s.includes(o));
  const machine = machineInfo();
  const notes: string[] = [];
  const records: ScaleRecord[] = [];
  mkdirSync(CACHE_DIR, { recursive: true });
  const work = path.join(CACHE_DIR, `run-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const rss = existsSync(GNU_TIME) ? `${GNU_TIME} -f %M (the child's ru_maxrss)` : '/proc/<pid>/status VmHWM polled every 20 ms';
  console.log(`peak RSS: ${rss}; wall seconds around the child process (node started as \`npm run timbre\` starts it)`);

  const probe = spawnSync(PYTHON, ['-c', 'import pandas'], { encoding: 'utf8' });
  const pandasOk = probe.status === 0;
  if (!pandasOk)
    notes.push(
      `pandas skipped: ${PYTHON} -c "import pandas" failed (${(probe.stderr || '').trim().split('\n').pop()}); on Debian: apt-get install python3-pandas`,
    );
  const sizes = quick ? SIZES.slice(0, 2) : SIZES;
  const reps = (label: string): number => (quick ? 1 : label === '1m' ? 1 : 3);
  let shape = { features: 0, classes: 0 };

  try {
    // Preprocess at each size: checked once on the smallest table (which also warms the file cache), then timed
    // round by round, timbre then pandas, so a busy phase of the machine hits both.
    const pre = new Map<string, { timbre?: ScaleRecord; pandas?: ScaleRecord }>();
    for (const size of sizes) {
      const table = cachedScaleTable(size.copies);
      if (table.generated) console.log(`generated ${table.rows} rows → ${path.relative(REPO, table.file)}`);
      if (!want('preprocess') && size !== sizes[0]) continue; // the smallest table's check still gives the training shape
      const tOut = path.join(work, `timbre-${size.label}.csv`),
        pOut = path.join(work, `pandas-${size.label}.csv`);
      const timbreArgv = [...TIMBRE, 'preprocess', table.file, '--features', 'song', '-o', tOut];
      const pandasArgv = [PYTHON, path.join(benchDir, 'pandas_preprocess.py'), table.file, pOut];
      if (size === sizes[0]) {
        await measureChild(timbreArgv, `timbre preprocess ${size.label}`);
        if (pandasOk) {
          const s = await measureChild([...pandasArgv, '--summary'], `pandas preprocess ${size.label}`);
          shape = await checkSameWork(tOut, JSON.parse(s.stdout.trim().split('\n').pop()!) as PandasSummary);
          console.log(`check: timbre and pandas keep the same rows and ${shape.features} feature columns with equal means (${size.label} table)`);
        } else {
          const d = await readPrepared(tOut);
          shape = { features: d.featureNames.length, classes: d.classNames.length };
        }
      }
      if (!want('preprocess')) continue;
      const runs: Record<'timbre' | 'pandas', ChildRun[]> = { timbre: [], pandas: [] };
      for (let r = 0; r < reps(size.label); r++) {
        const t = await measureChild(timbreArgv, `timbre preprocess ${size.label}`);
        if (wroteRows(t.stdout) !== table.rows)
          throw new Error(`scale bench: timbre preprocess ${size.label} wrote ${wroteRows(t.stdout)} rows, expected ${table.rows}`);
        runs.timbre.push(t);
        if (pandasOk) runs.pandas.push(await measureChild(pandasArgv, `pandas preprocess ${size.label}`));
        console.log(
          `preprocess-${size.label} round ${r + 1}: timbre ${t.seconds.toFixed(1)} s ${t.peakMB.toFixed(0)} MB` +
            (pandasOk ? `, pandas ${runs.pandas[r].seconds.toFixed(1)} s ${runs.pandas[r].peakMB.toFixed(0)} MB` : ''),
        );
      }
      if (pandasOk) {
        const [nt, np] = [await csvDataLines(tOut), await csvDataLines(pOut)];
        if (nt !== np || firstLine(tOut) !== firstLine(pOut))
          throw new Error(`scale bench: ${size.label}: timbre wrote ${nt} rows, pandas ${np} (or the headers differ)`);
      }
      const entry: { timbre?: ScaleRecord; pandas?: ScaleRecord } = {};
      for (const impl of ['timbre', 'pandas'] as const) {
        const rs = runs[impl];
        if (rs.length === 0) continue;
        const mid = rs.slice().sort((a, b) => a.seconds - b.seconds)[(rs.length - 1) >> 1];
        const rec: ScaleRecord = {
          bench: `preprocess-${size.label}`,
          impl,
          seconds: median(rs.map((x) => x.seconds)),
          peakMB: Math.max(...rs.map((x) => x.peakMB)),
          cpuSeconds: mid.cpuSeconds,
          rows: table.rows,
          runs: rs.length,
        };
        records.push(rec);
        entry[impl] = rec;
      }
      pre.set(size.label, entry);
      rmSync(tOut, { force: true });
      rmSync(pOut, { force: true });
    }

    // predict: a `default`-preset model (the MLP seed ensemble) trained once on the real tagtraum table (not timed), then the largest table.
    const big = sizes[sizes.length - 1];
    let predictRec: ScaleRecord | undefined;
    if (want('predict')) {
      const prep = path.join(work, 'real-prep.csv'),
        model = path.join(work, 'model');
      await measureChild([...TIMBRE, 'preprocess', SOURCE_TABLE, '--features', 'song', '-o', prep], 'timbre preprocess (model data)');
      await measureChild([...TIMBRE, 'train', prep, '--preset', 'default', '--seeds', '1', '-o', model], 'timbre train (model for predict)');
      const table = cachedScaleTable(big.copies);
      const preds = path.join(work, 'preds.csv');
      const p = await measureChild([...TIMBRE, 'predict', `${model}.json`, table.file, '-o', preds], `timbre predict ${big.label}`, true);
      predictRec = { bench: `predict-${big.label}`, impl: 'timbre', seconds: p.seconds, peakMB: p.peakMB, cpuSeconds: p.cpuSeconds, rows: table.rows, runs: 1 };
      if (p.failed === undefined) {
        const n = await csvDataLines(preds);
        if (n !== table.rows) throw new Error(`scale bench: predict wrote ${n} predictions for ${table.rows} rows`);
      } else {
        // Kept as a row: a stage that cannot finish at this size is the result; seconds and peakMB are until it failed.
        predictRec.failed = p.failed;
        notes.push(`timbre predict ${big.label} failed after ${p.seconds.toFixed(1)} s (${p.peakMB.toFixed(0)} MB): ${p.failed}`);
      }
      records.push(predictRec);
      console.log(`predict-${big.label}: ${p.failed ?? 'ok'}, ${p.seconds.toFixed(1)} s, ${p.peakMB.toFixed(0)} MB peak RSS`);
      rmSync(preds, { force: true });
    }

    // One training epoch of the default network on random data of the preprocessed table's shape.
    const trainRows = quick ? 70_000 : 700_000;
    const trainLabel = `train-epoch-${trainRows / 1000}k`;
    const train: Partial<Record<Impl, ScaleRecord>> = {};
    if (want('train')) {
      const cfg = { rows: trainRows, features: shape.features, classes: shape.classes, warmup: 1 };
      const t = await measureChild(
        [...NODE_TS, path.join(benchDir, 'scale-train.ts'), JSON.stringify({ ...cfg, epochs: quick ? 1 : 3 })],
        'timbre train epochs',
      );
      const tr = JSON.parse(t.stdout.trim().split('\n').pop()!) as { ms: number[]; trainLoss: number[] };
      const peers: [Impl, { ms: number[]; loss: number[] }, ChildRun][] = [['timbre', { ms: tr.ms, loss: tr.trainLoss }, t]];
      const torchProbe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
      if (torchProbe.status === 0) {
        const p = await measureChild(
          [PYTHON, path.join(benchDir, 'torch_scale_train.py'), JSON.stringify({ ...cfg, epochs: quick ? 1 : 2 })],
          'pytorch train epochs',
        );
        const pr = JSON.parse(p.stdout.trim().split('\n').pop()!) as { ms: number[]; train_loss: number[]; threads: number };
        if (pr.threads !== 1) throw new Error(`scale bench: PyTorch ran on ${pr.threads} threads`);
        peers.push(['pytorch', { ms: pr.ms, loss: pr.train_loss }, p]);
      } else notes.push(`pytorch skipped: ${PYTHON} -c "import torch" failed`);
      for (const [impl, r, child] of peers) {
        // Random labels: a network that trains correctly sits at the uniform loss ln(C), neither above nor collapsed.
        const lnC = Math.log(shape.classes),
          last = r.loss[r.loss.length - 1];
        if (!(Math.abs(last - lnC) < 0.05 * lnC))
          throw new Error(`scale bench: ${impl} train loss ${last} on random labels, expected about ln(${shape.classes}) = ${lnC.toFixed(3)}`);
        const ms = median(r.ms);
        train[impl] = { bench: trainLabel, impl, seconds: ms / 1000, msPerEpoch: ms, peakMB: child.peakMB, rows: trainRows, runs: r.ms.length };
        records.push(train[impl]!);
      }
    }

    // Tables: timbre / peer (below 1 = timbre faster or smaller).
    console.log(`\npreprocess --features song (wall s median, peak RSS MB max; ${sizes.map((s) => `${s.label}: ${reps(s.label)} run(s)`).join(', ')})`);
    printTable(
      ['rows', 'timbre s', 'pandas s', 'time ratio', 'timbre MB', 'pandas MB', 'RSS ratio'],
      [...pre].map(([label, e]) => [
        label,
        e.timbre?.seconds ?? NaN,
        e.pandas?.seconds ?? NaN,
        ratio(e.timbre?.seconds, e.pandas?.seconds),
        e.timbre?.peakMB ?? NaN,
        e.pandas?.peakMB ?? NaN,
        ratio(e.timbre?.peakMB, e.pandas?.peakMB),
      ]),
    );
    if (predictRec !== undefined) {
      console.log(`\npredict (saved default model, ${predictRec.rows} rows)`);
      printTable(
        ['impl', 'seconds', 'peak MB', 'vs 1 GB', 'result'],
        [['timbre', predictRec.seconds, predictRec.peakMB, ratio(predictRec.peakMB, 1000), predictRec.failed === undefined ? 'ok' : 'FAILED']],
      );
    }
    if (train.timbre !== undefined) {
      console.log(`\n${trainLabel}: default MLP, ${shape.features} features → ${shape.classes} classes, batch 32, random data (ms per epoch, median)`);
      printTable(
        ['impl', 'ms/epoch', 'peak MB', 'timbre / impl'],
        (['timbre', 'pytorch'] as Impl[])
          .filter((i) => train[i] !== undefined)
          .map((i) => [i, train[i]!.msPerEpoch!, train[i]!.peakMB, ratio(train.timbre!.msPerEpoch, train[i]!.msPerEpoch)]),
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const load = { min: Math.min(...loadSamples), max: Math.max(...loadSamples), cores: os.cpus().length };
  console.log(`\nload average (1 min) during the run: ${load.min}–${load.max} on ${load.cores} cores`);
  for (const n of notes) console.log(`note: ${n}`);
  if (records.length > 0) {
    const file = writeResults(
      'scale',
      records,
      {
        machine,
        quick,
        clock: 'wall',
        peakRss: rss,
        loadAvg1DuringRun: load,
        notes,
        table: `${path.relative(REPO, SOURCE_TABLE)} repeated with fresh track, song and artist ids (bench/scale-table.ts, seed 20)`,
        trainData: "standard-normal features and uniform labels of the preprocessed table's shape (random data of the right shape)",
        command: `npm run bench -- scale${quick ? ' --quick' : ''}`,
      },
      only,
    );
    if (file !== null) console.log(`\nwrote ${file}  (${formatMachine(machine)})`);
  }
}
