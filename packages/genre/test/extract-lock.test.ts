// Extraction's output lock and work directory: two runs on one output never mix (the second is
// refused naming the output and the holder), a lock left by a dead process is reported and taken
// over, parts are reused only under a manifest naming the exact input files, and a run that fails
// before doing any work leaves nothing behind. A tiny synthetic corpus keeps every run short.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractMsd } from '../src/extract/extract.js';
import { generateSyntheticCorpus, generateSyntheticSongs } from '../src/msd/synthetic.js';
import { writeMsdFile } from '../src/msd/writer.js';

let tmp = '',
  input = '',
  other = '';
let files: string[] = [];
let solo = '';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'timbre-extract-lock-'));
  input = join(tmp, 'in');
  other = join(tmp, 'other');
  files = (await generateSyntheticCorpus({ dir: input, songs: 8, seed: 5 })).files;
  await generateSyntheticCorpus({ dir: other, songs: 8, seed: 6 });
  const r = await extractMsd({ input, output: join(tmp, 'solo', 'SongCSV.csv'), workers: 0, batchSize: 2, progress: false });
  solo = readFileSync(r.output, 'utf8');
}, 60_000);
afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

const opts = (output: string) => ({ input, output, workers: 0, batchSize: 2, progress: false });

describe('extraction output lock', () => {
  it('two extractions into one output at once: one is refused naming the output and the pid, the other is complete', async () => {
    const out = join(tmp, 'both', 'SongCSV.csv');
    const results = await Promise.allSettled([extractMsd(opts(out)), extractMsd({ ...opts(out), input: join(other, 'data') })]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.length).toBe(1);
    expect(failed.length).toBe(1);
    expect(String(failed[0].reason.message)).toContain(out);
    expect(String(failed[0].reason.message)).toContain(`pid ${process.pid}`);
    expect(readFileSync(out, 'utf8')).toBe(solo);
    expect(readdirSync(join(tmp, 'both')).sort()).toEqual(['SongCSV.csv', 'SongCSV.errors.csv', 'SongCSV.extended.csv']);
  });

  it('a lock left by a dead process on this host is reported and taken over', async () => {
    const out = join(tmp, 'stale', 'SongCSV.csv');
    mkdirSync(join(tmp, 'stale'));
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // exited before spawnSync returned
    writeFileSync(`${out}.lock`, JSON.stringify({ pid: dead, hostname: hostname(), started: '2020-01-01T00:00:00.000Z' }));
    const r = await extractMsd(opts(out));
    expect(r.staleLock).toMatchObject({ pid: dead, hostname: hostname() });
    expect(readFileSync(out, 'utf8')).toBe(solo);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it('a lock held on another host is not taken over: the error names the output, the host and the pid', async () => {
    const out = join(tmp, 'remote', 'SongCSV.csv');
    mkdirSync(join(tmp, 'remote'));
    writeFileSync(`${out}.lock`, JSON.stringify({ pid: 4242, hostname: 'node-17.cluster', started: '2020-01-01T00:00:00.000Z' }));
    await expect(extractMsd(opts(out))).rejects.toThrow(/SongCSV\.csv.*pid 4242 on node-17\.cluster/);
    expect(readdirSync(join(tmp, 'remote'))).toEqual(['SongCSV.csv.lock']);
  });

  it('a lock held by another live process is refused; once that process is killed, its lock is taken over', async () => {
    const out = join(tmp, 'child', 'SongCSV.csv');
    const script = fileURLToPath(new URL('./lock-holder.ts', import.meta.url));
    const child = spawn('npx', ['tsx', '--conditions=source', script, out], { stdio: ['pipe', 'pipe', 'inherit'] });
    const held = await new Promise<string>((res, rej) => {
      let text = '';
      child.stdout!.on('data', (b: Buffer) => {
        text += b.toString();
        if (text.includes('\n')) res(text.trim());
      });
      child.on('exit', (code) => rej(new Error(`lock holder exited with ${code} before holding the lock`)));
    });
    const pid = Number(/^locked (\d+)$/.exec(held)![1]);
    await expect(extractMsd(opts(out))).rejects.toThrow(new RegExp(`${out.replace(/[.\\]/g, '\\$&')}.*pid ${pid}\\b`));
    const exited = new Promise((res) => child.on('exit', res));
    process.kill(pid, 'SIGKILL');
    await exited;
    const r = await extractMsd(opts(out));
    expect(r.staleLock?.pid).toBe(pid);
    expect(readFileSync(out, 'utf8')).toBe(solo);
  }, 60_000);
});

describe('extraction work directory', () => {
  it('parts without a manifest are never reused', async () => {
    const out = join(tmp, 'orphan', 'SongCSV.csv');
    mkdirSync(`${out}.work`, { recursive: true });
    writeFileSync(`${out}.work/part-000000.jsonl`, JSON.stringify({ f: 'data/X/Y/Z/TRFOREIGN.h5', i: 0, s: Array(17).fill('x'), x: [] }) + '\n');
    await expect(extractMsd(opts(out))).rejects.toThrow(/part.*no manifest.*restart/);
    expect(existsSync(out)).toBe(false);
    const r = await extractMsd({ ...opts(out), restart: true });
    expect(readFileSync(r.output, 'utf8')).toBe(solo);
  });

  it('an input file changed since the interrupted run is named and its parts are not reused', async () => {
    const copy = join(tmp, 'copy');
    await generateSyntheticCorpus({ dir: copy, songs: 8, seed: 5 });
    const out = join(tmp, 'changed', 'SongCSV.csv');
    const ac = new AbortController();
    await expect(
      extractMsd({
        ...opts(out),
        input: copy,
        signal: ac.signal,
        onProgress: (done) => {
          if (done === 2) ac.abort();
        },
      }),
    ).rejects.toThrow(/interrupted/);
    const firstFile = files.map((f) => f.slice(input.length)).sort()[0];
    const { songs } = generateSyntheticSongs({ songs: 1, seed: 99 });
    await writeMsdFile(join(copy, firstFile), [songs[0].song]);
    await expect(extractMsd({ ...opts(out), input: copy })).rejects.toThrow(new RegExp(`${firstFile.slice(1).replace(/[.]/g, '\\.')}.*changed`));
  });

  it('a run that fails before doing work leaves nothing behind', async () => {
    const dir = join(tmp, 'isdir');
    const out = join(dir, 'SongCSV.csv');
    mkdirSync(out, { recursive: true });
    await expect(extractMsd(opts(out))).rejects.toThrow(/SongCSV\.csv.*is a directory/);
    expect(readdirSync(dir)).toEqual(['SongCSV.csv']);
    expect(readdirSync(out)).toEqual([]);
    const fresh = join(tmp, 'never', 'made', 'SongCSV.csv');
    await expect(extractMsd({ ...opts(fresh), extendedOutput: out })).rejects.toThrow(/is a directory/);
    expect(existsSync(join(tmp, 'never'))).toBe(false);
  });
});
