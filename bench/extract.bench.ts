// Reading MSD song files, all getters per song, files/s on the 285 real files of ../shared/data:
// timbre's reader on 1 and 2 warm worker threads (MsdReadPool; thread start-up is not timed),
// h5wasm (in this thread) and PyTables through the same getters (bench/pytables_extract.py under
// /usr/bin/python3; skipped with a note if `import tables` fails). Passes are interleaved round by
// round so machine load hits every implementation alike; each reports its median pass.
// Before timing, every file's values are checked against h5wasm (an independent HDF5 reader).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import h5wasm from 'h5wasm/node';
import { extractMsd, listMsdFiles, MsdReadPool, readSongs, SONG_ARRAY_FIELDS } from '@timbre/genre';
import type { BenchOptions } from './run.js';
import { machineInfo } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/table.js';
import { median } from './lib/timing.js';

type Impl = 'timbre-1worker' | 'timbre-2workers' | 'pytables' | 'h5wasm';

/**
 * Run under the flag the `timbre` and `genre` scripts use (package.json): with V8's parallel GC helper
 * threads, two extraction workers on two cores read 739-806 files/s, with --single-threaded-gc 879-944
 * (one worker unchanged: 451-474 vs 446-494; standalone pools, three alternating runs each).
 */
export const nodeFlags = ['--single-threaded-gc'];

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(benchDir, '..', '..', 'shared', 'data', 'msd10k-h5', 'data');
const PYTHON = '/usr/bin/python3';

interface H5wasmDataset {
  value: unknown;
  shape: number[] | null;
}
interface H5wasmFile {
  get(p: string): H5wasmDataset | null;
  close(): void;
}

/** All getters of every song of one file through h5wasm: tables as rows, arrays sliced by idx_*. */
function readWithH5wasm(file: string): { songs: number; checksum: number; first: Record<string, unknown> } {
  const f = new (h5wasm as unknown as { File: new (p: string, mode: string) => H5wasmFile }).File(file, 'r');
  try {
    const tables: Record<string, { names: string[]; rows: unknown[][] }> = {};
    for (const t of ['metadata', 'analysis', 'musicbrainz']) {
      const d = f.get(`${t}/songs`) as H5wasmDataset & { dtype: { compound_type: { members: { name: string }[] } } | [string, string][] };
      const dt = d.dtype as unknown as [string, string][];
      tables[t] = { names: dt.map((m) => m[0]), rows: d.value as unknown[][] };
    }
    const n = tables.metadata.rows.length;
    let checksum = 0;
    const first: Record<string, unknown> = {};
    const col = (t: string, name: string, i: number): unknown => tables[t].rows[i][tables[t].names.indexOf(name)];
    for (let i = 0; i < n; i++) {
      for (const t of ['metadata', 'analysis', 'musicbrainz']) {
        for (const name of tables[t].names) if (i === 0) first[name] = col(t, name, i);
      }
      checksum += (col('analysis', 'duration', i) as number) + (col('metadata', 'title', i) as string).length;
      for (const a of SONG_ARRAY_FIELDS) {
        const [tablePath, idxName] = a.index.split(':');
        const t = tablePath.split('/')[1];
        const d = f.get(a.path.slice(1))!;
        const all = d.value as ArrayLike<unknown>;
        const width = d.shape !== null && d.shape.length === 2 ? d.shape[1] : 1;
        const start = col(t, idxName, i) as number;
        const end = i === n - 1 ? all.length / width : (col(t, idxName, i + 1) as number);
        const part = Array.prototype.slice.call(all, start * width, end * width) as unknown[];
        if (i === 0) first[a.field] = part;
        checksum += part.length / width;
      }
    }
    return { songs: n, checksum, first };
  } finally {
    f.close();
  }
}

// h5wasm decodes ASCII-flagged strings byte per char (Latin-1); the MSD stores UTF-8 there.
const utf8 = (x: unknown): unknown => (typeof x === 'string' ? Buffer.from(x, 'latin1').toString('utf8') : x);

/** Every field of timbre's Song equals h5wasm's value (NaN as null in h5wasm; strings re-decoded as UTF-8). */
function checkAgainstH5wasm(files: string[]): void {
  for (const file of files) {
    const [s] = readSongs(file);
    const ref = readWithH5wasm(file).first;
    for (const [k, v] of Object.entries(s)) {
      const r = ref[k];
      let ok: boolean;
      if (typeof v === 'number') ok = Number.isNaN(v) ? r === null || Number.isNaN(r as number) : v === r;
      else if (typeof v === 'string') ok = v === utf8(r);
      else if (Array.isArray(v)) ok = JSON.stringify(v) === JSON.stringify((r as unknown[]).map(utf8));
      else {
        const data = 'data' in v ? v.data : v;
        const want = r as number[];
        ok = data.length === want.length && Array.prototype.every.call(data, (x: number, i: number) => x === want[i]);
      }
      if (!ok) throw new Error(`extract bench: ${file}: ${k} differs between timbre and h5wasm`);
    }
  }
}

function pythonHasTables(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import tables'], { encoding: 'utf8' });
  if (r.error !== undefined) return `${PYTHON} not runnable (${r.error.message})`;
  return r.status === 0 ? null : `import tables failed: ${r.stderr.trim().split('\n').pop()}`;
}

export async function run(opts: BenchOptions): Promise<void> {
  const machine = machineInfo();
  // --quick: every third file (95), so a loaded machine still finishes in about a minute
  const files = listMsdFiles(DATA)
    .map((f) => f.path)
    .filter((_, i) => !opts.quick || i % 3 === 0);
  const want = (impl: string): boolean => opts.only === undefined || opts.only.some((o) => impl.includes(o));
  const rounds = opts.quick ? 2 : 7;
  // Warm-up before timing: the reader's code keeps getting faster until each worker thread has read the files
  // about three times (JIT tiers). Each of n workers reads 1/n of a pass, so a pool of n gets n times the
  // warm-up passes (with 3 for both pools, the two-worker passes were still speeding up through the timed
  // rounds: 0.41 s in the first, 0.31 s in the last, against a steady one-worker 0.54-0.63 s).
  const warmups = opts.quick ? 1 : 3;
  // LEAD_IN: every timed pass, of every implementation, directly follows an untimed pass of the same
  // implementation, so each is measured running, as in a real extraction that reads for minutes. Without
  // it the worker threads start each timed pass after 6-7 s idle (the other implementations' passes) and
  // the second worker's gain read 1.47-1.49x; with it 1.83-1.94x (standalone pools, back to back: 1.7-1.9x).
  console.log(
    `${files.length} files, ${rounds} timed passes per implementation (median), each right after an untimed pass of the same implementation, after ${warmups} warm-up passes per worker thread, interleaved`,
  );

  await h5wasm.ready;
  checkAgainstH5wasm(files);
  console.log("correctness: every field of timbre's songs equals h5wasm's values");

  const notes: string[] = [];
  // With sched_autogroup (the default on many distributions) all threads started from one terminal
  // share one CPU share: on a busy machine 2 workers then get no more CPU than 1.
  let autogroup = '0';
  try {
    autogroup = readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  if (autogroup === '1' && machine.loadAvg1 > machine.cores) {
    notes.push(
      `load average ${machine.loadAvg1} on ${machine.cores} cores with sched_autogroup: the worker threads share one terminal's CPU share, so the 2-worker speed-up only shows on an idle machine`,
    );
  }
  const pyProblem = want('pytables') ? pythonHasTables() : 'not selected';
  if (pyProblem !== null && want('pytables')) notes.push(`pytables skipped: ${pyProblem}`);
  const tmp = mkdtempSync(path.join(tmpdir(), 'timbre-bench-extract-'));
  const listFile = path.join(tmp, 'files.txt');
  writeFileSync(listFile, files.join('\n') + '\n');

  const pools: Partial<Record<Impl, MsdReadPool>> = {};
  if (want('timbre-1worker')) pools['timbre-1worker'] = await MsdReadPool.start(1);
  if (want('timbre-2workers')) pools['timbre-2workers'] = await MsdReadPool.start(2);
  const times: Record<Impl, number[]> = { 'timbre-1worker': [], 'timbre-2workers': [], pytables: [], h5wasm: [] };
  let songsTimbre = 0;
  try {
    for (const p of Object.values(pools)) for (let w = 0; w < warmups * p!.size; w++) await p!.read(files); // JIT, page cache
    for (let r = 0; r < rounds; r++) {
      for (const impl of ['timbre-1worker', 'timbre-2workers'] as const) {
        const pool = pools[impl];
        if (pool === undefined) continue;
        await pool.read(files); // untimed lead-in pass (see LEAD_IN)
        const t0 = performance.now();
        const res = await pool.read(files);
        times[impl].push((performance.now() - t0) / 1000);
        if (res.errors.length > 0) throw new Error(`extract bench: ${impl}: ${res.errors[0]}`);
        songsTimbre = res.songs;
      }
      if (want('h5wasm')) {
        for (const f of files) readWithH5wasm(f);
        const t0 = performance.now();
        for (const f of files) readWithH5wasm(f);
        times.h5wasm.push((performance.now() - t0) / 1000);
      }
      if (want('pytables') && pyProblem === null) {
        const out = spawnSync(PYTHON, [path.join(benchDir, 'pytables_extract.py'), listFile, '2'], { encoding: 'utf8', maxBuffer: 1 << 20 });
        if (out.status !== 0) throw new Error(`extract bench: pytables_extract.py failed: ${out.stderr}`);
        const res = JSON.parse(out.stdout) as { passSeconds: number[]; songs: number };
        if (res.songs !== files.length) throw new Error(`extract bench: PyTables read ${res.songs} songs, expected ${files.length}`);
        times.pytables.push(res.passSeconds[1]); // the first is its lead-in pass
      }
    }
  } finally {
    for (const p of Object.values(pools)) await p!.close();
  }
  if (songsTimbre !== 0 && songsTimbre !== files.length) throw new Error(`extract bench: timbre read ${songsTimbre} songs`);

  // End to end (context, not a record): extractMsd with cold worker threads, CSV outputs included.
  const endToEnd: Record<string, number> = {};
  if (!opts.quick && want('timbre')) {
    for (const workers of [1, 2]) {
      const t0 = performance.now();
      await extractMsd({ input: DATA, output: path.join(tmp, `w${workers}`, 'SongCSV.csv'), workers, progress: false });
      endToEnd[`extractMsd-${workers}worker(s)-seconds`] = (performance.now() - t0) / 1000;
    }
  }
  rmSync(tmp, { recursive: true, force: true });

  const fps: Partial<Record<Impl, number>> = {};
  for (const impl of Object.keys(times) as Impl[]) if (times[impl].length > 0) fps[impl] = files.length / median(times[impl]);
  printTable(
    ['impl', 'files/s', 'vs pytables', 'vs 1 worker'],
    (Object.keys(fps) as Impl[]).map((impl) => [impl, fps[impl]!, ratio(fps[impl], fps.pytables), ratio(fps[impl], fps['timbre-1worker'])]),
  );
  for (const [k, v] of Object.entries(endToEnd)) console.log(`${k}: ${v.toFixed(2)} s (cold workers, CSVs written)`);
  for (const n of notes) console.log(`note: ${n}`);
  const records = (Object.keys(fps) as Impl[]).map((impl) => ({ bench: 'extract', impl, filesPerSec: fps[impl]! }));
  const file = writeResults(
    'extract',
    records,
    {
      machine,
      quick: opts.quick,
      clock: 'wall',
      files: files.length,
      rounds,
      warmups,
      passSeconds: times,
      notes,
      endToEnd,
      what:
        'all getters per song; timbre on warm MsdReadPool threads (start-up not timed); h5wasm in the main thread; PyTables via bench/pytables_extract.py; every timed pass right after an untimed pass of the same implementation; this process runs with ' +
        nodeFlags.join(' ') +
        ' (as npm run timbre / genre)',
    },
    opts.only ?? [],
  );
  if (file !== null) console.log(`wrote ${file}`);
}
