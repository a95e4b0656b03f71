import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalColumns, readSongTable } from '../src/preprocess/table.js';
import { featureDefs, parseFeatureSpec } from '../src/preprocess/features.js';
import { preprocess, readPrepared, writePrepared } from '../src/preprocess/preprocess.js';
import { applyScaler, fitScaler } from '../src/ml/scaler.js';

const shared = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const TAGTRAUM = join(shared, 'msd10k-tagtraum-cd1-joined/msd10k_tagtraum_cd1.csv');
const MBGENRE = join(shared, 'msd10k-timbre-pitch-means-mbgenre/final_song_level.csv');
const TWOCLASS = join(shared, 'msd-genre-2class-subset/msd_genre_dataset.txt');
const EXTENDED = join(shared, 'msd10k-songcsv-extended/MsdSongAddedFeatures.csv');
const SONGCSV = join(shared, 'msd10k-songcsv/SongCSV.csv');
const CLS = join(shared, 'tagtraum-cd1/msd_tagtraum_cd1.cls');
const dir = mkdtempSync(join(tmpdir(), 'timbre-pre-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Naive CSV for files without quoting: header + rows split on commas. */
function naive(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

describe('song tables', { timeout: 60000 }, () => {
  it('maps the spellings of every known format onto canonical names', () => {
    expect(canonicalColumns(['SongID', 'KeySignature', 'KeySignatureConfidence', 'TimeSignature', 'ArtistName', 'Duration'])).toEqual([
      'song_id',
      'key',
      'key_confidence',
      'time_signature',
      'artist_name',
      'duration',
    ]);
    expect(canonicalColumns(['avg_timbre1', 'avg_timbre12', 'var_timbre3', 'pitch_0_mean', 'timbre_avg2', 'avg_pitch1'])).toEqual([
      'timbre_mean_0',
      'timbre_mean_11',
      'timbre_var_0',
      'pitch_mean_0',
      'timbre_mean_1',
      'pitch_mean_1',
    ]);
    expect(canonicalColumns(['key', 'KeySignature'])).toEqual(['key', 'key__1']); // duplicates keep the first
  });

  it("rejects the 2-class file's truncated rows and counts them exactly", async () => {
    const t = await readSongTable(TWOCLASS);
    const n = naive(TWOCLASS);
    const short = n.rows.map((r, i) => ({ r, i: i + 1 })).filter(({ r }) => r.length !== 34);
    expect(short.length).toBeGreaterThan(0);
    expect(t.truncated.map((x) => x.row)).toEqual(short.map((s) => s.i));
    expect(t.rows.length + t.truncated.length).toBe(n.rows.length);
    expect(t.format).toBe('msd-genre');
  });

  it('reads the extended SongCSV (bytes reprs, broken quoting) with the same numbers as the clean SongCSV', async () => {
    const ext = await readSongTable(EXTENDED),
      clean = await readSongTable(SONGCSV);
    expect(ext.rows).toHaveLength(10000);
    expect(ext.truncated).toHaveLength(0);
    const col = (t: typeof ext, c: string) => t.columns.indexOf(c);
    const first = ext.rows[0];
    expect(first[col(ext, 'track_id')]).toBe('TRAAAAW128F429D538');
    expect(first[col(ext, 'title')]).toBe("I Didn't Mean To");
    const bySong = new Map(clean.rows.map((r) => [r[col(clean, 'song_id')], r]));
    let compared = 0;
    for (const r of ext.rows) {
      const c = bySong.get(r[col(ext, 'song_id')]);
      expect(c, r[col(ext, 'song_id')]).toBeDefined();
      for (const f of ['duration', 'tempo', 'key', 'key_confidence', 'time_signature_confidence']) {
        expect(Number(r[col(ext, f)])).toBe(Number(c![col(clean, f)]));
      }
      compared++;
    }
    expect(compared).toBe(10000);
    expect(ext.tolerant && clean.tolerant).toBe(true);
    const andre = clean.rows.find((r) => r[col(clean, 'song_id')] === 'SOGOZYQ12AB0182359')!;
    expect(andre[col(clean, 'title')]).toBe('Let\'s Call Him "Andre');
    expect(andre[col(clean, 'duration')]).toBe('138.762');
    // UTF-8 escapes in bytes reprs are decoded: "\xc2\xbfD\xc3\xb3nde va Chichi?".
    expect(ext.rows.some((r) => r[col(ext, 'title')] === '¿Dónde va Chichi?')).toBe(true);
  });

  it('fails clearly on a missing file or an unparseable CSV', async () => {
    await expect(readSongTable(join(dir, 'none.csv'))).rejects.toThrow(/none.csv: cannot read the file/);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n"x\n');
    await expect(readSongTable(bad)).rejects.toThrow(/bad.csv: CSV parse error/);
  });
});

describe('features', () => {
  const cols = [
    'duration',
    'key',
    'key_confidence',
    'tempo',
    'time_signature',
    'time_signature_confidence',
    'mode',
    'loudness',
    'year',
    'song_hotttnesss',
    'timbre_mean_0',
    'timbre_mean_1',
  ];
  it("original6 is the seed's six columns", () => {
    expect(featureDefs(['original6'], cols).map((d) => d.name)).toEqual([
      'duration',
      'key',
      'key_confidence',
      'tempo',
      'time_signature',
      'time_signature_confidence',
    ]);
  });
  it('encodes key one-hot or on the circle, time signature one-hot, year 0 as missing', () => {
    const get = (v: Record<string, number>) => (c: string) => v[c] ?? NaN;
    const onehot = featureDefs(['song'], cols).filter((d) => d.name.startsWith('key_') && d.name !== 'key_confidence');
    expect(onehot.map((d) => d.value(get({ key: 11 })))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const sc = featureDefs(['song'], cols, { keyEncoding: 'sincos' });
    const s = sc.find((d) => d.name === 'key_sin')!,
      c = sc.find((d) => d.name === 'key_cos')!;
    // B (11) and C (0) are neighbours on the circle, farther from F♯ (6).
    const pt = (k: number) => [s.value(get({ key: k })), c.value(get({ key: k }))];
    const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1]);
    expect(dist(pt(11), pt(0))).toBeCloseTo(dist(pt(0), pt(1)), 12);
    expect(dist(pt(0), pt(6))).toBeCloseTo(2, 12);
    const ts = featureDefs(['song'], cols).filter((d) => d.name.startsWith('time_signature_') && d.name !== 'time_signature_confidence');
    expect(ts.map((d) => d.value(get({ time_signature: 7 })))).toEqual([0, 0, 0, 0, 1, 0]);
    expect(ts.map((d) => d.value(get({ time_signature: 0 })))).toEqual([0, 0, 0, 0, 0, 1]);
    const year = featureDefs(['song'], cols).find((d) => d.name === 'year')!;
    expect(year.imputable).toBe(true);
    expect(year.value(get({ year: 0 }))).toBeNaN();
  });
  it('parses feature specs and refuses groups the table cannot give', () => {
    expect(parseFeatureSpec('auto', cols)).toEqual(['song', 'timbre']);
    expect(parseFeatureSpec('original6', cols)).toEqual(['original6']);
    expect(() => parseFeatureSpec('song,vibes', cols)).toThrow(/unknown feature group "vibes"/);
    expect(() => featureDefs(['pitch'], cols)).toThrow(/no pitch summary columns \(join a table with them: --join\)/);
    expect(() => featureDefs(['original6'], ['duration'])).toThrow(/original6 needs column\(s\) key/);
  });
});

describe('scaler', () => {
  it('is fitted on the rows it is given only, imputes the median, handles constant columns', () => {
    const x = Float64Array.from([1, 5, NaN, 5, 3, 5, 7, 5]); // 4 rows × 2 features; feature 1 constant
    const s = fitScaler(x, 4, ['a', 'b'], 'standard');
    expect(s.fill[0]).toBe(3); // median of 1, 3, 7
    const col = [1, 3, 3, 7];
    const mean = col.reduce((p, v) => p + v, 0) / 4;
    const std = Math.sqrt(col.reduce((p, v) => p + (v - mean) ** 2, 0) / 4);
    expect(s.shift[0]).toBeCloseTo(mean, 12);
    expect(s.scale[0]).toBeCloseTo(std, 12);
    expect(s.scale[1]).toBe(1);
    const out = applyScaler(s, Float64Array.from([NaN, 5, 9, 6]), 2);
    expect(out[0]).toBeCloseTo((3 - mean) / std, 5);
    expect(out[1]).toBe(0);
    expect(out[3]).toBe(1);
    const mm = fitScaler(x, 4, ['a', 'b'], 'minmax');
    expect(Array.from(applyScaler(mm, Float64Array.from([1, 5, 7, 5]), 2))).toEqual([0, 0, 1, 0]);
    expect(() => fitScaler(Float64Array.from([NaN, NaN]), 2, ['z'])).toThrow(/feature "z" has no value/);
  });
});

describe('preprocess on real data', { timeout: 60000 }, () => {
  it('tagtraum + timbre/pitch means: counts add up, artist-disjoint, values as in the source files', async () => {
    const out = join(dir, 'pp.csv');
    const { data, report } = await preprocess({ input: TAGTRAUM, joins: [MBGENRE], output: out, minClassCount: 10 });
    const dropped = Object.values(report.dropped).reduce((a, b) => a + b, 0);
    expect(report.kept + dropped).toBe(report.rowsRead);
    expect(report.rowsRead).toBe(naive(TAGTRAUM).rows.length);
    expect(report.featureGroups).toEqual(['song', 'timbre', 'pitch']);
    // Songs without a summary row keep their song-level fields: the summary is imputed and flagged.
    const flag = data.featureNames.indexOf('timbre_missing'),
      t0 = data.featureNames.indexOf('timbre_mean_0');
    expect(flag).toBeGreaterThan(t0);
    let flagged = 0;
    for (let i = 0; i < data.rows; i++) {
      const missing = data.x[i * data.featureNames.length + flag] === 1;
      if (missing) flagged++;
      expect(Number.isNaN(data.x[i * data.featureNames.length + t0])).toBe(missing);
    }
    expect(report.imputed.timbre).toBe(flagged);
    expect(flagged).toBeGreaterThan(100);
    expect(report.dropped['no timbre summary (required)']).toBeUndefined();
    // --require timbre keeps the strict behaviour: those rows are dropped, and nothing is imputed.
    const strict = await preprocess({ input: TAGTRAUM, joins: [MBGENRE], minClassCount: 10, require: ['timbre'] });
    expect(strict.report.dropped['no timbre summary (required)']).toBeGreaterThanOrEqual(flagged);
    expect(strict.report.imputed.timbre).toBeUndefined();
    expect(strict.data.featureNames).not.toContain('timbre_missing');
    await expect(preprocess({ input: TAGTRAUM, joins: [MBGENRE], require: ['loudness'] })).rejects.toThrow(
      /--require loudness: not an imputable group or field/,
    );
    expect(report.rareClasses.every((r) => r.count < 10)).toBe(true);
    expect(report.classes.every((c) => c.count >= 10)).toBe(true);
    // Artist-disjoint: no artist in two parts.
    const partOf = new Map<string, number>();
    for (let i = 0; i < data.rows; i++) {
      const p = partOf.get(data.groups[i]);
      if (p !== undefined) expect(p).toBe(data.split[i]);
      partOf.set(data.groups[i], data.split[i]);
    }
    // Values: duration from the CSV, timbre_mean_0 / pitch_mean_11 from final_song_level.csv via song_id.
    const src = naive(TAGTRAUM),
      mb = naive(MBGENRE);
    const srcBy = new Map(src.rows.map((r) => [r[0], r]));
    const mbSong = mb.header.indexOf('song_id'),
      mbT0 = mb.header.indexOf('timbre_0_mean'),
      mbP11 = mb.header.indexOf('pitch_11_mean');
    const mbBy = new Map(mb.rows.map((r) => [r[mbSong], r]));
    const F = data.featureNames.length;
    const fi = (n: string) => data.featureNames.indexOf(n);
    for (let i = 0; i < data.rows; i += 7) {
      const s = srcBy.get(data.trackIds[i])!;
      expect(data.x[i * F + fi('duration')]).toBe(Number(s[src.header.indexOf('duration')]));
      expect(data.classNames[data.y[i]]).toBe(s[src.header.indexOf('genre')]);
      const m = mbBy.get(s[src.header.indexOf('song_id')]);
      if (m === undefined) {
        // no summary row: imputed later, flagged now
        expect(data.x[i * F + fi('timbre_mean_0')]).toBeNaN();
        expect(data.x[i * F + fi('timbre_missing')]).toBe(1);
        continue;
      }
      expect(data.x[i * F + fi('timbre_mean_0')]).toBe(Number(m[mbT0]));
      expect(data.x[i * F + fi('pitch_mean_11')]).toBe(Number(m[mbP11]));
    }
    // The written CSV reads back to the same data.
    const back = await readPrepared(out);
    expect(back.featureNames).toEqual(data.featureNames);
    expect(back.classNames).toEqual(data.classNames);
    expect(Array.from(back.split)).toEqual(Array.from(data.split));
    for (let k = 0; k < data.x.length; k++) {
      if (Number.isNaN(data.x[k])) expect(back.x[k]).toBeNaN();
      else expect(back.x[k]).toBe(data.x[k]);
    }
  });

  it('extended SongCSV + tagtraum .cls labels joined by track id', async () => {
    const { report } = await preprocess({ input: EXTENDED, labels: CLS, features: 'original6', minClassCount: 1 });
    expect(report.dropped['no genre label']).toBe(10000 - report.kept);
    expect(report.kept).toBe(naive(TAGTRAUM).rows.length); // the same 1,082 labelled subset tracks
  });

  it('merges rare classes into "other" when asked; random split is an option', async () => {
    const { report } = await preprocess({ input: TAGTRAUM, features: 'song', minClassCount: 30, rareClasses: 'merge', split: 'random' });
    const other = report.classes.find((c) => c.name === 'other')!;
    expect(other.count).toBe(report.rareClasses.reduce((a, r) => a + r.count, 0));
    expect(report.split.kind).toBe('random');
  });

  it('fails clearly and writes nothing on bad input', async () => {
    const out = join(dir, 'never.csv');
    await expect(preprocess({ input: SONGCSV, output: out })).rejects.toThrow(/no genre column and no label file/);
    await expect(preprocess({ input: SONGCSV, labels: CLS, output: out })).rejects.toThrow(/has no track_id column/);
    await expect(preprocess({ input: TAGTRAUM, features: 'pitch', output: out })).rejects.toThrow(/no pitch summary columns/);
    expect(existsSync(out)).toBe(false);
    const bad = join(dir, 'bad-pp.csv');
    writeFileSync(bad, 'track_id,artist,title,group,split,genre,f1\nT1,a,t,a,train,rock,1.5\nT2,b,t,b,test,pop,abc\n');
    await expect(readPrepared(bad)).rejects.toThrow(/bad-pp.csv: row 2, column "f1": "abc" is not a number/);
    writeFileSync(bad, 'id,genre\nT1,rock\n');
    await expect(readPrepared(bad)).rejects.toThrow(/column 1 is "id", expected "track_id"/);
  });

  it('writePrepared replaces an existing file only when complete', async () => {
    const out = join(dir, 'keep.csv');
    writeFileSync(out, 'old');
    const { data } = await preprocess({ input: TAGTRAUM, features: 'original6' });
    await writePrepared(out, data);
    expect(readFileSync(out, 'utf8').startsWith('track_id,artist,title,group,split,genre,duration,key')).toBe(true);
  });
});
