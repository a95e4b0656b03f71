// The extraction manifest as text: an unchanged list is accepted, and a changed, added or removed
// file or changed setting is named, including across the 1,000-files-per-line boundaries; an
// interrupted run whose work directory holds a manifest.json of the earlier one-object format resumes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestMismatch, manifestText, oldManifestMismatch, type ManifestFile, type ManifestHeader } from '../src/extract/manifest.js';
import { extractMsd } from '../src/extract/extract.js';
import { generateSyntheticCorpus } from '../src/msd/synthetic.js';

const header: ManifestHeader = { input: '/msd/data', shard: { index: 2, count: 8 }, batchSize: 32 };
const list = (n: number): ManifestFile[] =>
  Array.from({ length: n }, (_, i) => ({ rel: `A/B/C/TR${String(i).padStart(8, '0')}.h5`, size: 1000 + i, mtimeMs: 1.6e12 + i / 3 }));
const check = (oldFiles: readonly ManifestFile[], files: readonly ManifestFile[], h: ManifestHeader = header): string | null =>
  manifestMismatch(manifestText(header, oldFiles), h, files, manifestText(h, files));

describe('manifest text', () => {
  const files = list(2500); // three lines of files

  it('accepts the same list and settings', () => {
    expect(
      check(
        files,
        files.map((f) => ({ ...f })),
      ),
    ).toBeNull();
    expect(check([], [])).toBeNull();
  });

  it('names a changed file anywhere in the list, with its sizes then and now', () => {
    for (const i of [0, 999, 1000, 1999, 2499]) {
      const now = files.slice();
      now[i] = { ...files[i], size: files[i].size + 7 };
      expect(check(files, now)).toBe(`input file ${files[i].rel}, which has changed since (${1000 + i} bytes then, ${1007 + i} now; modified since)`);
      now[i] = { ...files[i], mtimeMs: files[i].mtimeMs + 0.001 };
      expect(check(files, now)).toMatch(new RegExp(`^input file ${files[i].rel.replace(/\./g, '\\.')}, which has changed`));
    }
  });

  it('names the first file that is new or gone', () => {
    for (const i of [0, 999, 1000, 2499]) {
      const without = files.filter((_, k) => k !== i);
      expect(check(files, without)).toBe(`a different file list (2500 files then, 2499 now; first difference: ${files[i].rel} is gone)`);
      expect(check(without, files)).toBe(`a different file list (2499 files then, 2500 now; first difference: ${files[i].rel} is new)`);
    }
    const more = [...files, { rel: 'Z/Z/Z/TRZ.h5', size: 1, mtimeMs: 2 }];
    expect(check(files, more)).toBe('a different file list (2500 files then, 2501 now; first difference: Z/Z/Z/TRZ.h5 is new)');
    expect(check(more, files)).toBe('a different file list (2501 files then, 2500 now; first difference: Z/Z/Z/TRZ.h5 is gone)');
    expect(check(files.slice(0, 2000), files)).toMatch(/2000 files then, 2500 now; first difference: A\/B\/C\/TR00002000\.h5 is new/);
  });

  it('names a changed setting before looking at files', () => {
    expect(check(files, files, { ...header, input: '/other' })).toBe('input /msd/data');
    expect(check(files, files, { ...header, shard: null })).toBe('another shard');
    expect(check(files, files, { ...header, batchSize: 8 })).toBe('batch size 32');
  });

  it('keeps paths with quotes, tabs and newlines apart', () => {
    const odd = [
      { rel: 'a"b.h5', size: 1, mtimeMs: 1 },
      { rel: 'c\nd.h5', size: 2, mtimeMs: 2 },
      { rel: 'e\tf.h5', size: 3, mtimeMs: 3 },
    ];
    expect(check(odd, odd)).toBeNull();
    expect(check(odd, [odd[0], { ...odd[1], size: 9 }, odd[2]])).toBe('input file c\nd.h5, which has changed since (2 bytes then, 9 now; modified since)');
  });

  it('throws a SyntaxError for text it did not write', () => {
    const now = manifestText(header, files);
    expect(() => manifestMismatch('not json\n', header, files, now)).toThrow(SyntaxError);
    expect(() => manifestMismatch(`${JSON.stringify({ version: 2, input: '/msd/data', batchSize: 32 })}\n`, header, files, now)).toThrow(SyntaxError);
  });

  it('reads the one-object manifest.json of versions 1 and 2', () => {
    const small = list(5);
    const v2 = JSON.stringify({ version: 2, ...header, files: small });
    expect(oldManifestMismatch(v2, header, small)).toBeNull();
    expect(oldManifestMismatch(v2, header, [...small.slice(0, 4), { ...small[4], size: 1 }])).toMatch(
      /TR00000004\.h5, which has changed since \(1004 bytes then, 1 now/,
    );
    const v1 = JSON.stringify({ version: 1, ...header, files: small.map((f) => f.rel) });
    expect(
      oldManifestMismatch(
        v1,
        header,
        small.map((f) => ({ ...f, size: 0 })),
      ),
    ).toBeNull(); // paths only
    expect(oldManifestMismatch(v1, header, small.slice(1))).toBe(`a different file list (5 files then, 4 now; first difference: ${small[0].rel} is gone)`);
  });
});

describe('resuming under a manifest.json', () => {
  let tmp = '',
    input = '';
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'timbre-manifest-'));
    input = join(tmp, 'in');
    await generateSyntheticCorpus({ dir: input, songs: 6, seed: 11 });
  }, 60_000);
  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it('an interrupted run whose work directory has a version 2 manifest.json resumes its parts', async () => {
    const opts = { input, workers: 0, batchSize: 2, progress: false };
    const whole = await extractMsd({ ...opts, output: join(tmp, 'whole', 'SongCSV.csv') });
    const out = join(tmp, 'resumed', 'SongCSV.csv');
    const ac = new AbortController();
    await expect(
      extractMsd({
        ...opts,
        output: out,
        signal: ac.signal,
        onProgress: (done) => {
          if (done === 2) ac.abort();
        },
      }),
    ).rejects.toThrow(/interrupted/);
    const work = `${out}.work`;
    const text = readFileSync(join(work, 'manifest.jsonl'), 'utf8').trim().split('\n');
    const h = JSON.parse(text[0]) as ManifestHeader;
    const rels = text.slice(1).flatMap((l) => (JSON.parse(l) as [string, number, number][]).map((r) => r[0]));
    // The earlier format, written by hand from the files themselves.
    const files = rels.map((rel) => {
      const st = statSync(join(h.input, rel));
      return { rel, size: st.size, mtimeMs: st.mtimeMs };
    });
    rmSync(join(work, 'manifest.jsonl'));
    writeFileSync(join(work, 'manifest.json'), JSON.stringify({ version: 2, input: h.input, shard: h.shard, batchSize: h.batchSize, files }));
    const parts = readdirSync(work).filter((f) => f.startsWith('part-'));
    expect(parts.length).toBeGreaterThan(0);
    const r = await extractMsd({ ...opts, output: out });
    expect(r.resumedBatches).toBe(parts.length);
    expect(readFileSync(r.output, 'utf8')).toBe(readFileSync(whole.output, 'utf8'));
  }, 60_000);
});
