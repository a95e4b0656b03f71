// Planning an extraction at MSD scale: the folder walk (`walkFiles`, which an extraction runs with one
// stat per .h5 file) against GNU find and Python's os.walk + os.stat on a 1,000-deep tree and a wide
// tree in the MSD layout (A/B/C/TR….h5, empty files), and the work-directory manifest of 1M synthetic
// entries (write, resume check) against one JSON object of the same entries. Trees are built in the
// temp folder and removed. WALK_BENCH_FILES sets the wide tree's size (default 100,000; 20,000 with
// --quick; 1000000 for the full MSD's count). Writes bench/results/walk.json.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomic } from '@timbre/nn';
import { manifestMismatch, manifestText, walkFiles, type ManifestFile } from '@timbre/genre';
import type { BenchOptions } from './run.js';
import { machineInfo } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { printTable, ratio } from './lib/table.js';
import { median } from './lib/timing.js';

const PYTHON = '/usr/bin/python3';
const FIND = 'find';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DEEP_LEVELS = 1000;
const MANIFEST_ENTRIES = 1_000_000;
const benchFile = fileURLToPath(import.meta.url);

interface WalkRecord {
  bench: string;
  impl: string;
  seconds: number;
  files: number;
  peakMB?: number;
}

// Python peer: the same listing (followed links, .h5 case-insensitive, regular files) with one stat per file.
const PY_WALK = `
import os, sys, stat
sys.setrecursionlimit(100000)  # os.walk recurses once per level
root = sys.argv[1]; n = 0
for d, dirs, files in os.walk(root, followlinks=True):
    for f in files:
        if f.lower().endswith('.h5'):
            s = os.stat(os.path.join(d, f))
            if stat.S_ISREG(s.st_mode): n += 1
print(n)
`;

function buildDeep(root: string): number {
  let dir = root;
  mkdirSync(dir, { recursive: true });
  let files = 0;
  for (let i = 0; i < DEEP_LEVELS; i++) {
    dir = path.join(dir, 'd');
    mkdirSync(dir);
    if (i % (DEEP_LEVELS / 5) === DEEP_LEVELS / 5 - 1) {
      writeFileSync(path.join(dir, `f${i}.h5`), '');
      files++;
    }
  }
  return files;
}

function buildWide(root: string, n: number): number {
  const perDir = Math.ceil(n / 26 ** 3);
  let made = 0;
  for (let a = 0; a < 26 && made < n; a++)
    for (let b = 0; b < 26 && made < n; b++)
      for (let c = 0; c < 26 && made < n; c++) {
        const dir = path.join(root, LETTERS[a], LETTERS[b], LETTERS[c]);
        mkdirSync(dir, { recursive: true });
        for (let k = 0; k < perDir && made < n; k++, made++) {
          closeSync(openSync(path.join(dir, `TR${LETTERS[a]}${LETTERS[b]}${LETTERS[c]}${String(k).padStart(6, '0')}.h5`), 'w'));
        }
      }
  return made;
}

/** Runs a command, returns wall seconds and stdout; throws with its stderr on failure. */
function timed(cmd: string, args: string[]): { seconds: number; out: string } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr}`);
  return { seconds, out: r.stdout };
}

/** The timbre walk in a child process (peak RSS of the walk alone): `tsx bench/walk.bench.ts --walk-child <root>`. */
function childWalk(root: string): { seconds: number; files: number; peakMB: number } {
  const r = timed(process.execPath, ['--import', 'tsx', '--conditions=source', benchFile, '--walk-child', root]);
  return JSON.parse(r.out.trim().split('\n').pop()!) as { seconds: number; files: number; peakMB: number };
}

function hasPython(): boolean {
  return spawnSync(PYTHON, ['-c', 'import os'], { encoding: 'utf8' }).status === 0;
}
function hasFind(): boolean {
  return spawnSync(FIND, ['--version'], { encoding: 'utf8' }).status === 0;
}

function benchTree(name: string, root: string, expected: number, rounds: number, peers: { find: boolean; python: boolean }): WalkRecord[] {
  // Correctness first: the three listings agree on the files.
  const ours = walkFiles(root, '.h5').map((f) => f.rel);
  if (ours.length !== expected) throw new Error(`walk ${name}: ${ours.length} files, built ${expected}`);
  if (peers.find) {
    const theirs = timed(FIND, ['-L', root, '-type', 'f', '-iname', '*.h5'])
      .out.split('\n')
      .filter((l) => l !== '')
      .map((p) => path.relative(root, p).split(path.sep).join('/'))
      .sort();
    if (theirs.join('\n') !== ours.join('\n')) throw new Error(`walk ${name}: find lists ${theirs.length} files, timbre ${ours.length}, or other ones`);
  }
  if (peers.python) {
    const n = Number(timed(PYTHON, ['-c', PY_WALK, root]).out.trim());
    if (n !== ours.length) throw new Error(`walk ${name}: os.walk finds ${n} files, timbre ${ours.length}`);
  }
  const times: Record<string, number[]> = { timbre: [], find: [], 'python os.walk': [] };
  let peakMB = 0;
  for (let r = 0; r < rounds; r++) {
    // interleaved, so load on the shared machine hits each alike
    const c = childWalk(root);
    times.timbre.push(c.seconds);
    peakMB = Math.max(peakMB, c.peakMB);
    if (peers.find) times.find.push(timed(FIND, ['-L', root, '-type', 'f', '-iname', '*.h5']).seconds);
    if (peers.python) times['python os.walk'].push(timed(PYTHON, ['-c', PY_WALK, root]).seconds);
  }
  return Object.entries(times)
    .filter(([, t]) => t.length > 0)
    .map(([impl, t]) => ({ bench: name, impl, seconds: median(t), files: expected, ...(impl === 'timbre' ? { peakMB } : {}) }));
}

function benchManifest(dir: string, rounds: number): WalkRecord[] {
  const files: ManifestFile[] = [];
  for (let i = 0; i < MANIFEST_ENTRIES; i++) {
    const rel = `${LETTERS[i % 26]}/${LETTERS[Math.floor(i / 26) % 26]}/${LETTERS[Math.floor(i / 676) % 26]}/TR${String(i).padStart(16, '0')}.h5`;
    files.push({ rel, size: 300_000 + (i % 90_000), mtimeMs: 1_300_000_000_000 + i * 1.5 });
  }
  const header = { input: '/msd/data', shard: null, batchSize: 32 };
  const changedLast = files.slice();
  changedLast[files.length - 1] = { ...files[files.length - 1], mtimeMs: files[files.length - 1].mtimeMs + 1 };
  const text = manifestText(header, files);
  const times: Record<string, number[]> = {
    'timbre write': [],
    'timbre resume check': [],
    'timbre check, last file changed': [],
    'one JSON object write': [],
    'one JSON object check': [],
  };
  const file = path.join(dir, 'manifest.jsonl'),
    objFile = path.join(dir, 'manifest.json');
  const clock = (key: string, f: () => void): void => {
    const t0 = performance.now();
    f();
    times[key].push((performance.now() - t0) / 1000);
  };
  for (let r = 0; r < rounds; r++) {
    clock('timbre write', () => writeFileAtomic(file, manifestText(header, files)));
    clock('timbre resume check', () => {
      if (manifestMismatch(readFileSync(file, 'utf8'), header, files, manifestText(header, files)) !== null)
        throw new Error('manifest: an unchanged list mismatched');
    });
    clock('timbre check, last file changed', () => {
      const why = manifestMismatch(readFileSync(file, 'utf8'), header, changedLast, manifestText(header, changedLast));
      if (why === null || !why.includes(files[files.length - 1].rel)) throw new Error(`manifest: the changed last file was not named (${why})`);
    });
    clock('one JSON object write', () => writeFileAtomic(objFile, JSON.stringify({ version: 2, ...header, files })));
    clock('one JSON object check', () => {
      const old = JSON.parse(readFileSync(objFile, 'utf8')) as { files: ManifestFile[] };
      for (let i = 0; i < files.length; i++) {
        const a = old.files[i],
          b = files[i];
        if (a.rel !== b.rel || a.size !== b.size || a.mtimeMs !== b.mtimeMs) throw new Error(`manifest: entry ${i} differs after a JSON round trip`);
      }
    });
  }
  console.log(`manifest of ${MANIFEST_ENTRIES.toLocaleString('en-US')} entries: ${(text.length / 1e6).toFixed(0)} MB of text`);
  return Object.entries(times).map(([impl, t]) => ({ bench: 'manifest-1m', impl, seconds: median(t), files: MANIFEST_ENTRIES }));
}

export async function run({ quick, only }: BenchOptions): Promise<void> {
  const wideFiles = Number(process.env.WALK_BENCH_FILES ?? (quick ? 20_000 : 100_000));
  if (!Number.isInteger(wideFiles) || wideFiles < 1)
    throw new RangeError(`walk: WALK_BENCH_FILES must be a positive integer, got ${process.env.WALK_BENCH_FILES}`);
  const rounds = quick ? 1 : 3;
  const peers = { find: hasFind(), python: hasPython() };
  if (!peers.find) console.log('(find not found: the find column is skipped)');
  if (!peers.python) console.log(`(${PYTHON} not found: the os.walk column is skipped)`);
  const want = (name: string): boolean => only === undefined || only.some((o) => name.includes(o));
  const tmp = mkdtempSync(path.join(tmpdir(), 'timbre-walk-bench-'));
  const records: WalkRecord[] = [];
  try {
    if (want('deep')) {
      const n = buildDeep(path.join(tmp, 'deep'));
      records.push(...benchTree('deep-1000', path.join(tmp, 'deep'), n, rounds, peers));
    }
    if (want('wide')) {
      console.log(`building ${wideFiles.toLocaleString('en-US')} empty files in the MSD layout…`);
      const n = buildWide(path.join(tmp, 'wide'), wideFiles);
      records.push(...benchTree(`wide-${wideFiles}`, path.join(tmp, 'wide'), n, rounds, peers));
    }
    if (want('manifest')) records.push(...benchManifest(tmp, rounds));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const base = (bench: string): WalkRecord | undefined => records.find((r) => r.bench === bench && (r.impl === 'timbre' || r.impl === 'timbre write'));
  printTable(
    ['bench', 'impl', 'files', 'seconds', 'peak MB', 'timbre / this'],
    records.map((r) => [r.bench, r.impl, r.files, r.seconds, r.peakMB ?? NaN, r.bench.startsWith('manifest') ? '' : ratio(base(r.bench)?.seconds, r.seconds)]),
  );
  writeResults('walk', records, { machine: machineInfo(), quick, wideFiles, rounds }, only);
}

// The child of childWalk: one walk, then its time, file count and peak RSS as a JSON line.
if (process.argv[2] === '--walk-child' && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = performance.now();
  const files = walkFiles(process.argv[3], '.h5');
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ seconds, files: files.length, peakMB: (process.resourceUsage().maxRSS * 1024) / 1e6 }));
}
