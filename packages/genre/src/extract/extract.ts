// Extraction of MSD HDF5 trees to SongCSV + extended CSV + errors CSV: parallel over worker
// threads, resumable (a work directory holds a manifest naming every input file, with its size and
// modification time from the folder walk's stat, and one atomically written part per batch of files;
// a rerun skips finished batches), shardable (--shard i/n), outputs renamed into place only when
// complete, one run per output at a time (`<output>.lock`). Rows come out in relative-path order
// whatever the worker count.

import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { writeFileAtomic } from '@timbre/nn';
import { dirname, join, resolve } from 'node:path';
import { acquireOutputLock, type LockInfo } from '../io/lock.js';
import { walkFiles, type SkippedPath, type WalkedFile } from '../io/files.js';
import { SingleBar } from 'cli-progress';
import { listMsdFiles, shardFiles, shardedName } from './files.js';
import { MANIFEST_NAME, OLD_MANIFEST_NAME, manifestMismatch, manifestText, oldManifestMismatch, type ManifestHeader } from './manifest.js';
import type { InputFile, Shard } from './files.js';
import { ERROR_COLUMNS, EXTENDED_COLUMNS, SONGCSV_COLUMNS } from './rows.js';
import { runBatch } from './worker.js';
import type { BatchTask, FileDone } from './worker.js';
import { WorkerPool } from '../parallel/pool.js';
import { siblingModule } from '@timbre/tensor';
import { CsvWriter, writeAll } from '../io/csv.js';

/** Options of {@link extractMsd}. */
export interface ExtractOptions {
  /** A directory of .h5 files (any depth, e.g. the MSD's data/A/B/C layout) or one .h5 file. */
  readonly input: string;
  /** The SongCSV path. With a shard, ".shard-iiii-of-nnnn" is inserted before the extension. */
  readonly output: string;
  /** Extended CSV (default: `<output without .csv>.extended.csv`). */
  readonly extendedOutput?: string;
  /** Skipped files with the reason (default: `<output without .csv>.errors.csv`). */
  readonly errorsOutput?: string;
  /** Worker threads (default: the number of cores; 0 = in this thread). */
  readonly workers?: number;
  /** Process only this shard of the files (stable: hash of the relative path). */
  readonly shard?: Shard | null;
  /** Files per batch, the unit of resumption (default 32). */
  readonly batchSize?: number;
  /** Where parts of an unfinished run live (default: `<output>.work`). */
  readonly workDir?: string;
  /** Discard the parts of an interrupted run instead of resuming it. */
  readonly restart?: boolean;
  /** Keep the work directory after success (default: delete it). */
  readonly keepWork?: boolean;
  /** Draw a progress bar on stderr (default: when stderr is a TTY). */
  readonly progress?: boolean;
  /** Called after every file: files done (including resumed batches), total files, songs read by this run. */
  readonly onProgress?: (doneFiles: number, totalFiles: number, songs: number) => void;
  /** Aborting stops the workers; finished batches stay on disk for the next run. */
  readonly signal?: AbortSignal;
}

/**
 * What {@link extractMsd} did. `errors` lists every skipped file (relative path) with the reason, and
 * every path the folder walk could not use (unreadable folder, dangling link, symlink loop); `files`
 * counts both.
 */
export interface ExtractResult {
  readonly files: number;
  readonly songs: number;
  readonly errors: { file: string; reason: string }[];
  /** Batches found finished on disk from an interrupted run (0 for a fresh run). */
  readonly resumedBatches: number;
  /** The lock of a dead run on this host that this run took over (null if there was none). */
  readonly staleLock: LockInfo | null;
  readonly output: string;
  readonly extendedOutput: string;
  readonly errorsOutput: string;
}

/** `<path without .csv>` + suffix. */
export function siblingOutput(path: string, suffix: string): string {
  return path.replace(/\.csv$/i, '') + suffix;
}

const partName = (work: string, batch: number): string => `${work}/part-${String(batch).padStart(6, '0')}.jsonl`;
const PART_RE = /^part-\d{6}\.jsonl$/;
// Files of ours in a work directory: the manifest, parts, and their temporary siblings (atomic writes).
const WORK_FILE_RE = /^(manifest\.jsonl?|part-\d{6}\.jsonl|\.(manifest\.jsonl?|part-\d{6}\.jsonl)\.\d+\.\d+\.tmp)$/;

/** Removes this extractor's files from `work` (manifest, parts, temporaries), then the folder if empty. */
function clearWork(work: string): void {
  if (!existsSync(work)) return;
  for (const f of readdirSync(work)) if (WORK_FILE_RE.test(f)) rmSync(join(work, f), { force: true });
  removeIfEmpty(work);
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* not empty, or already gone */
  }
}

/** Fails if `path` is a directory (an output must be a file). */
function expectFilePath(path: string, what: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new Error(`extract: ${what} ${path} is a directory; give a file path (e.g. ${join(path, 'SongCSV.csv')})`);
  }
}

/**
 * Extracts every song of an MSD tree into SongCSV (seed columns, bugs fixed), an extended CSV
 * (every scalar + timbre/pitch means and population variances) and an errors CSV.
 *
 * @example
 * const r = await extractMsd({ input: 'MillionSongSubset/data', output: 'out/SongCSV.csv' });
 * console.log(r.songs, r.errors.length);
 */
export async function extractMsd(opts: ExtractOptions): Promise<ExtractResult> {
  const shard = opts.shard ?? null;
  const output = resolve(shardedName(opts.output, shard));
  const extendedOutput = resolve(opts.extendedOutput !== undefined ? shardedName(opts.extendedOutput, shard) : siblingOutput(output, '.extended.csv'));
  const errorsOutput = resolve(opts.errorsOutput !== undefined ? shardedName(opts.errorsOutput, shard) : siblingOutput(output, '.errors.csv'));
  const work = resolve(opts.workDir ?? `${output}.work`);
  const batchSize = opts.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`extract: batchSize must be a positive integer, got ${batchSize}`);
  const input = resolve(opts.input);
  if (!existsSync(input)) throw new Error(`extract: ${opts.input}: no such file or directory`);
  expectFilePath(output, 'output');
  expectFilePath(extendedOutput, 'extended output');
  expectFilePath(errorsOutput, 'errors output');
  if (new Set([output, extendedOutput, errorsOutput]).size < 3) {
    throw new Error(`extract: the SongCSV, extended and errors outputs must be three different files (${output}, ${extendedOutput}, ${errorsOutput})`);
  }
  const skipped: SkippedPath[] = [];
  const all = walkFiles(input, '.h5', { onSkip: (s) => skipped.push(s) });
  if (all.length === 0) {
    throw new Error(
      `extract: no .h5 files under ${opts.input}${
        skipped.length > 0
          ? ` (skipped: ${skipped
              .slice(0, 3)
              .map((s) => `${s.rel}: ${s.reason}`)
              .join('; ')})`
          : ''
      }`,
    );
  }
  const files = shardFiles(all, shard); // a shard of a small input may be empty: it then writes header-only files
  const walkErrors = shardFiles(skipped, shard).map((s) => ({ file: s.rel, reason: s.reason }));
  const manifest = { input, shard, batchSize };

  // Everything this run creates before its first finished batch is removed again if it fails.
  const madeDir = mkdirSync(dirname(output), { recursive: true });
  let lock;
  try {
    lock = acquireOutputLock(output, 'extract');
  } catch (e) {
    if (madeDir !== undefined) removeCreatedDirs(madeDir, dirname(output));
    throw e;
  }
  const workExisted = existsSync(work);
  try {
    return await extractLocked(opts, { output, extendedOutput, errorsOutput, work, batchSize, files, walkErrors, manifest, staleLock: lock.staleLock });
  } catch (e) {
    if (!workExisted || opts.restart === true) {
      if (existsSync(work) && !readdirSync(work).some((f) => PART_RE.test(f))) clearWork(work); // nothing worth resuming
    }
    if (madeDir !== undefined && !existsSync(work)) removeCreatedDirs(madeDir, dirname(output));
    throw e;
  } finally {
    lock.release();
  }
}

/** Removes the empty directories from `leaf` up to `top` (both created by this run). */
function removeCreatedDirs(top: string, leaf: string): void {
  for (let d = leaf; d.length >= top.length; d = dirname(d)) {
    removeIfEmpty(d);
    if (d === top) break;
  }
}

interface Plan {
  readonly output: string;
  readonly extendedOutput: string;
  readonly errorsOutput: string;
  readonly work: string;
  readonly batchSize: number;
  readonly files: readonly WalkedFile[];
  /** Paths the folder walk could not use (unreadable folders, dangling links, symlink loops). */
  readonly walkErrors: readonly { file: string; reason: string }[];
  readonly manifest: ManifestHeader;
  readonly staleLock: LockInfo | null;
}

/** The extraction proper, run while holding the output's lock. */
async function extractLocked(opts: ExtractOptions, plan: Plan): Promise<ExtractResult> {
  const { output, extendedOutput, errorsOutput, work, batchSize, files, manifest } = plan;
  if (opts.restart === true) clearWork(work);
  const manifestPath = `${work}/${MANIFEST_NAME}`,
    oldManifestPath = `${work}/${OLD_MANIFEST_NAME}`;
  const text = manifestText(manifest, files);
  const found = existsSync(manifestPath) ? manifestPath : existsSync(oldManifestPath) ? oldManifestPath : null;
  if (found !== null) {
    let why: string | null;
    try {
      const old = readFileSync(found, 'utf8');
      why = found === manifestPath ? manifestMismatch(old, manifest, files, text) : oldManifestMismatch(old, manifest, files);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      throw new Error(`extract: ${found} is not a manifest this extractor wrote; use --restart (restart: true) to start over`);
    }
    if (why !== null) {
      throw new Error(
        `extract: ${work} holds an interrupted run for ${why}; rerun with its settings to resume, or use --restart (restart: true) to start over`,
      );
    }
  } else {
    const orphans = existsSync(work) ? readdirSync(work).filter((f) => PART_RE.test(f)) : [];
    if (orphans.length > 0) {
      throw new Error(
        `extract: ${work} holds ${orphans.length} part file(s) (${orphans[0]}, …) but no manifest naming the input they came from, ` +
          'so they cannot be trusted; use --restart (restart: true) to discard them',
      );
    }
    mkdirSync(work, { recursive: true });
    writeFileAtomic(manifestPath, text);
  }

  const batches: BatchTask[] = [];
  for (let b = 0; b * batchSize < files.length; b++) {
    batches.push({ batch: b, files: files.slice(b * batchSize, (b + 1) * batchSize), part: partName(work, b) });
  }
  const finished = new Set(
    readdirSync(work)
      .filter((f) => PART_RE.test(f))
      .map((f) => `${work}/${f}`),
  ); // as partName spells them
  const pending = batches.filter((t) => !finished.has(t.part));
  const resumedBatches = batches.length - pending.length;
  let doneFiles = batches.length === 0 ? 0 : files.length - pending.reduce((a, t) => a + t.files.length, 0);
  let songs = 0;

  const bar =
    (opts.progress ?? process.stderr.isTTY === true)
      ? new SingleBar({
          format: 'extract |{bar}| {percentage}% | {value}/{total} files | {songs} songs | {rate} songs/s | ETA {eta_formatted}',
          stream: process.stderr,
          etaBuffer: 50,
          hideCursor: true,
        })
      : null;
  let startedAt = -1; // the rate clock starts with the first finished file (worker start-up excluded)
  bar?.start(files.length, doneFiles, { songs: 0, rate: '0' });
  const tick = (n: number): void => {
    doneFiles++;
    songs += n;
    if (startedAt < 0) startedAt = performance.now();
    const secs = (performance.now() - startedAt) / 1000;
    bar?.update(doneFiles, { songs, rate: secs > 0 ? (songs / secs).toFixed(0) : '0' });
    opts.onProgress?.(doneFiles, files.length, songs);
  };
  try {
    await runPending(pending, opts.workers ?? availableParallelism(), tick, opts.signal);
  } finally {
    bar?.stop();
  }

  const errors = await joinParts(batches, plan.walkErrors, output, extendedOutput, errorsOutput);
  if (opts.keepWork !== true) clearWork(work);
  return {
    files: files.length + plan.walkErrors.length,
    songs: errors.songs,
    errors: errors.errors,
    resumedBatches,
    staleLock: plan.staleLock,
    output,
    extendedOutput,
    errorsOutput,
  };
}

/** Runs the batches on `workers` threads (0 = inline), a batch to whichever thread is free. */
async function runPending(pending: BatchTask[], workers: number, tick: (songs: number) => void, signal?: AbortSignal): Promise<void> {
  if (!Number.isInteger(workers) || workers < 0) throw new RangeError(`extract: workers must be an integer >= 0, got ${workers}`);
  const aborted = (): Error => new Error('extract: interrupted; finished batches are kept, rerun the same command to resume');
  if (workers === 0) {
    for (const t of pending) {
      if (signal?.aborted === true) throw aborted();
      runBatch(t, (n) => tick(n));
      await new Promise((r) => setImmediate(r)); // let progress, signals and timers run
    }
    return;
  }
  if (pending.length === 0) return;
  if (signal?.aborted === true) throw aborted();
  const pool = await WorkerPool.start<BatchTask, { songs: number; errors: number }, FileDone>(
    'extract',
    siblingModule(import.meta.url, 'worker'),
    Math.min(workers, pending.length),
  );
  try {
    await pool.run(pending, { onProgress: (_, p) => tick(p.songs), ...(signal ? { signal } : {}) });
  } catch (e) {
    throw isAborted(signal) ? aborted() : e;
  } finally {
    await pool.close();
  }
}

const isAborted = (signal?: AbortSignal): boolean => signal?.aborted === true;

interface PartLine {
  f: string;
  i?: number;
  s?: string[];
  x?: string[];
  e?: string;
}

/**
 * Joins the parts in batch order into the three outputs; SongNumber is the 1-based row number. The
 * errors file lists the files that could not be read and the paths the walk skipped, by path.
 */
async function joinParts(
  batches: readonly BatchTask[],
  walkErrors: readonly { file: string; reason: string }[],
  output: string,
  extendedOutput: string,
  errorsOutput: string,
): Promise<{ songs: number; errors: { file: string; reason: string }[] }> {
  const song = new CsvWriter(output, SONGCSV_COLUMNS);
  const ext = new CsvWriter(extendedOutput, EXTENDED_COLUMNS);
  const err = new CsvWriter(errorsOutput, ERROR_COLUMNS);
  const errors: { file: string; reason: string }[] = [];
  let n = 0;
  await writeAll([song, ext, err], async () => {
    for (const t of batches) {
      const text = readFileSync(t.part, 'utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const p = JSON.parse(line) as PartLine;
        if (p.e !== undefined) {
          errors.push({ file: p.f, reason: p.e });
        } else {
          n++;
          await song.write([String(n), ...p.s!]);
          await ext.write(p.x!);
        }
      }
    }
    errors.push(...walkErrors);
    errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)); // stable: a file's own order kept
    for (const e of errors) await err.write([e.file, e.reason]);
  });
  return { songs: n, errors };
}

/** Files an extraction would process (for dry runs and tests). */
export function plannedFiles(input: string, shard: Shard | null = null): InputFile[] {
  return shardFiles(listMsdFiles(resolve(input)), shard);
}
