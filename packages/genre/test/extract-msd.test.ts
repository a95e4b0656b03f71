// Extraction end to end on the 285 real files plus the broken ones (symlinked into a temp tree):
// values vs the independent clean SongCSV and the numpy summaries, 2 worker threads (TS source under
// vitest), resume after an interruption, shards + merge == one run byte for byte, and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Command } from 'commander';
import { extractMsd } from '../src/extract/extract.js';
import { mergeShards } from '../src/extract/merge.js';
import { fnv1a, parseShard, shardedName } from '../src/extract/files.js';
import { addExtractCommand } from '../src/cli/extract.js';
import { MsdReadPool } from '../src/extract/pool.js';
import { readAll } from '../src/extract/worker.js';
import { BAD_DIR, DATA, H5_ROOT, listH5, loadCsv, loadLooseCsv } from './msd-helpers.js';

let tmp = '',
  input = '';
/** The unsharded extraction every other run is compared with: run once, by whichever test needs it first. */
let reference: Promise<{ r: Awaited<ReturnType<typeof extractMsd>>; out: string; song: string; ext: string; err: string }> | null = null;
function referenceRun(): NonNullable<typeof reference> {
  reference ??= (async () => {
    const out = join(tmp, 'run1', 'SongCSV.csv');
    const r = await extractMsd({ input, output: out, workers: 2, progress: false });
    return { r, out, song: read(out), ext: read(r.extendedOutput), err: read(r.errorsOutput) };
  })();
  return reference;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'timbre-extract-'));
  input = join(tmp, 'in');
  for (const p of listH5(H5_ROOT)) {
    const dst = join(input, 'data', relative(H5_ROOT, p));
    mkdirSync(dirname(dst), { recursive: true });
    symlinkSync(p, dst);
  }
  mkdirSync(join(input, 'bad'), { recursive: true });
  for (const f of readdirSync(BAD_DIR)) if (f.endsWith('.h5')) symlinkSync(join(BAD_DIR, f), join(input, 'bad', f));
});
afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

const read = (p: string): string => readFileSync(p, 'utf8');

describe('extractMsd', () => {
  it('extracts 285 songs with 2 worker threads; values match the clean SongCSV and numpy summaries', { timeout: 120_000 }, async () => {
    const first = await referenceRun();
    const { r, out } = first;
    expect(r.files).toBe(290);
    expect(r.songs).toBe(285);
    expect(r.errors.map((e) => e.file)).toEqual([
      'bad/TRAXLZU12903D05F94.truncated.h5',
      'bad/empty.h5',
      'bad/not_hdf5.h5',
      'bad/stub_rootonly.h5',
      'bad/truncated_half.h5',
    ]);
    expect(r.errors[1].reason).toMatch(/empty file/);
    expect(r.errors[4].reason).toMatch(/truncated/);
    // outputs complete, work dir and temp files gone
    expect(readdirSync(dirname(out)).sort()).toEqual(['SongCSV.csv', 'SongCSV.errors.csv', 'SongCSV.extended.csv']);
    expect(first.song.split('\n')[0]).toBe(
      'SongNumber,SongID,AlbumID,AlbumName,ArtistID,ArtistLatitude,ArtistLocation,' +
        'ArtistLongitude,ArtistName,Danceability,Duration,KeySignature,KeySignatureConfidence,Tempo,TimeSignature,' +
        'TimeSignatureConfidence,Title,Year',
    ); // no trailing comma
    expect(first.err.split('\n')[0]).toBe('file,reason');

    const rows = await loadCsv(out);
    expect(rows.map((x) => Number(x.SongNumber))).toEqual(Array.from({ length: 285 }, (_, i) => i + 1));
    const clean = new Map(loadLooseCsv(join(DATA, 'msd10k-songcsv', 'SongCSV.csv')).map((x) => [x.SongID, x]));
    const noComma = (s: string): string => s.replace(/,/g, '');
    for (const x of rows) {
      const c = clean.get(x.SongID)!;
      expect(c, x.SongID).toBeDefined();
      for (const k of [
        'AlbumID',
        'Duration',
        'KeySignature',
        'KeySignatureConfidence',
        'Tempo',
        'TimeSignature',
        'TimeSignatureConfidence',
        'Year',
        'Danceability',
        'ArtistLatitude',
        'ArtistLongitude',
      ]) {
        expect(x[k] === '' ? NaN : Number(x[k]), `${x.SongID}.${k}`).toBe(c[k] === '' ? NaN : Number(c[k]));
      }
      for (const k of ['ArtistID', 'AlbumName', 'ArtistLocation', 'ArtistName', 'Title']) expect(noComma(x[k]), `${x.SongID}.${k}`).toBe(c[k]);
    }
    const tr = rows.find((x) => x.SongID === 'SOMZWCG12A8C13C480')!;
    expect(tr.Duration).toBe('218.93179'); // the seed wrote 8.9317
    expect(tr.AlbumID).toBe('300848');

    const ext = await loadCsv(r.extendedOutput);
    expect(ext.length).toBe(285);
    const summary = new Map((await loadCsv(join(DATA, 'msd10k-h5', 'timbre_pitch_summary_BD.csv'))).map((x) => [x.track_id, x]));
    let checked = 0;
    for (const x of ext) {
      const s = summary.get(x.track_id);
      if (s === undefined) continue;
      expect(x.n_segments).toBe(s.n_segments);
      for (const k of ['avg_timbre1', 'var_timbre5', 'avg_pitch12', 'var_timbre12']) {
        expect(Math.abs(Number(x[k]) - Number(s[k])) <= 1e-11 * Math.max(1, Math.abs(Number(s[k]))), `${x.track_id}.${k}`).toBe(true);
      }
      checked++;
    }
    expect(checked).toBe(279);
    expect(ext.every((x, i) => i === 0 || ext[i - 1].file <= x.file)).toBe(true);
  });

  it('resumes after an interruption: no duplicate, no missing row, same bytes', { timeout: 120_000 }, async () => {
    const first = await referenceRun();
    const out = join(tmp, 'run2', 'SongCSV.csv');
    const ac = new AbortController();
    await expect(
      extractMsd({
        input,
        output: out,
        workers: 0,
        batchSize: 16,
        progress: false,
        signal: ac.signal,
        onProgress: (done) => {
          if (done === 100) ac.abort();
        },
      }),
    ).rejects.toThrow(/interrupted.*resume/);
    expect(existsSync(out)).toBe(false); // nothing half-written
    const parts = readdirSync(`${out}.work`).filter((f) => f.startsWith('part-'));
    expect(parts.length).toBeGreaterThanOrEqual(6);
    expect(parts.length).toBeLessThan(19);
    // a different shard cannot reuse those parts
    await expect(
      extractMsd({ input, output: out, workers: 0, batchSize: 16, progress: false, workDir: `${out}.work`, shard: { index: 0, count: 2 } }),
    ).rejects.toThrow(/interrupted run for another shard/);
    const r = await extractMsd({ input, output: out, workers: 1, batchSize: 16, progress: false });
    expect(r.resumedBatches).toBe(parts.length);
    expect(read(out)).toBe(first.song);
    expect(read(r.extendedOutput)).toBe(first.ext);
    expect(read(r.errorsOutput)).toBe(first.err);
    expect(existsSync(`${out}.work`)).toBe(false);
  });

  it('3 shards + merge give exactly the unsharded outputs', { timeout: 120_000 }, async () => {
    const first = await referenceRun();
    const dir = join(tmp, 'shards');
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await extractMsd({ input, output: join(dir, 'SongCSV.csv'), workers: 0, shard: { index: i, count: 3 }, progress: false });
      expect(r.output).toBe(join(dir, `SongCSV.shard-000${i}-of-0003.csv`));
      sizes.push(r.files);
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(290);
    expect(Math.min(...sizes)).toBeGreaterThan(60); // the hash spreads the files
    const m = await mergeShards([dir], join(tmp, 'merged', 'SongCSV.csv'));
    expect(m.songs).toBe(285);
    expect(read(m.output)).toBe(first.song);
    expect(read(m.extendedOutput)).toBe(first.ext);
    expect(read(m.errorsOutput)).toBe(first.err);
    rmSync(join(dir, 'SongCSV.shard-0001-of-0003.csv'));
    await expect(mergeShards([dir], join(tmp, 'merged2', 'SongCSV.csv'))).rejects.toThrow(/missing shard\(s\) 1 of 3/);
    expect(existsSync(join(tmp, 'merged2'))).toBe(false);
  });

  it('the extract command writes the same files', { timeout: 120_000 }, async () => {
    const first = await referenceRun();
    const program = new Command('timbre').exitOverride();
    addExtractCommand(program);
    const out = join(tmp, 'cli', 'songs.csv');
    const log: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => {
      log.push(s);
      return true;
    }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'timbre', 'extract', input, '-o', out, '-j', '0', '-q']);
    } finally {
      process.stdout.write = write;
    }
    expect(log.join('')).toMatch(/285 songs from 285\/290 files/);
    expect(read(out)).toBe(first.song);
    expect(read(join(tmp, 'cli', 'songs.errors.csv'))).toBe(first.err);
  });
});

describe('MsdReadPool', () => {
  it('reads every file on 2 worker threads with the same result as this thread', { timeout: 120_000 }, async () => {
    const paths = listH5(H5_ROOT).slice(0, 100);
    const pool = await MsdReadPool.start(2);
    try {
      const r = await pool.read([...paths, join(BAD_DIR, 'empty.h5')], 16);
      const local = readAll(paths);
      expect(r.songs).toBe(100);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/empty\.h5: empty file/);
      expect(r.checksum).toBeCloseTo(local.checksum, 6);
    } finally {
      await pool.close();
    }
  });
});

describe('extract input checks', () => {
  it('rejects a missing input and a tree without .h5 files', async () => {
    await expect(extractMsd({ input: join(tmp, 'nowhere'), output: join(tmp, 'x', 'a.csv'), workers: 0 })).rejects.toThrow(/no such file or directory/);
    mkdirSync(join(tmp, 'empty-tree', 'A'), { recursive: true });
    await expect(extractMsd({ input: join(tmp, 'empty-tree'), output: join(tmp, 'x', 'a.csv'), workers: 0 })).rejects.toThrow(/no \.h5 files under/);
  });
});

describe('sharding helpers', () => {
  it('parses i/n, takes the index from the batch system, and rejects bad specs', () => {
    expect(parseShard('3/16', {})).toEqual({ index: 3, count: 16 });
    expect(parseShard('/4', { JOB_COMPLETION_INDEX: '2' })).toEqual({ index: 2, count: 4 });
    expect(parseShard('4', { SLURM_ARRAY_TASK_ID: '3' })).toEqual({ index: 3, count: 4 });
    expect(parseShard('12', { SLURM_ARRAY_TASK_ID: '11' })).toEqual({ index: 11, count: 12 });
    expect(parseShard(' 0 / 1 ', {})).toEqual({ index: 0, count: 1 });
    expect(() => parseShard('/4', {})).toThrow(/neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID/);
    expect(() => parseShard('4/4', {})).toThrow(/not in \[0, 3\]/);
    expect(() => parseShard('/4', { SLURM_ARRAY_TASK_ID: '7' })).toThrow(/from SLURM_ARRAY_TASK_ID/);
    expect(() => parseShard('a/b', {})).toThrow(/not i\/n/);
  });

  it('hashes with FNV-1a and names shard outputs', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    expect(shardedName('out/SongCSV.csv', { index: 3, count: 16 })).toBe('out/SongCSV.shard-0003-of-0016.csv');
    expect(shardedName('out/SongCSV.csv', null)).toBe('out/SongCSV.csv');
  });
});
