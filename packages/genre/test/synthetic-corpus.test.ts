// The synthetic MSD-format corpus: files in the MSD layout that the reader opens, tagtraum-style
// labels, determinism from the seed, artists nested in genres, and genre-dependent features that a
// simple classifier can learn on unseen artists, but not perfectly.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generateSyntheticCorpus, generateSyntheticSongs, SYNTHETIC_GENRES } from '../src/msd/synthetic.js';
import { readSongs } from '../src/msd/reader.js';
import type { Song } from '../src/msd/song.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'timbre-synthetic-'));

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

describe('generateSyntheticCorpus', () => {
  it('writes MSD-layout song files the reader opens, and tagtraum .cls labels', async () => {
    const dir = tmp();
    const c = await generateSyntheticCorpus({ dir, songs: 30, seed: 5, genres: 5 });
    expect(c.files).toHaveLength(30);
    expect(c.genres).toEqual(SYNTHETIC_GENRES.slice(0, 5).map((g) => g.name));
    const lines = readFileSync(c.labelsPath, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(30);
    const labels = new Map(lines.map((l) => l.split('\t') as [string, string]));
    for (const [i, path] of c.files.entries()) {
      const id = c.tracks[i].trackId;
      expect(id).toMatch(/^TRSYN[A-Z0-9]{13}$/);
      expect(relative(dir, path)).toBe(join('data', id[2], id[3], id[4], `${id}.h5`));
      const songs = readSongs(path);
      expect(songs).toHaveLength(1);
      const s = songs[0];
      expect(s.track_id).toBe(id);
      expect(labels.get(id)).toBe(c.tracks[i].genre);
      expect(c.genres).toContain(labels.get(id));
      // labelled synthetic wherever it shows
      expect(s.title).toMatch(/^Synthetic Song /);
      expect(s.release).toMatch(/^Synthetic Release /);
      expect(s.artist_name).toMatch(/^Synthetic Artist /);
      expect(s.analyzer_version).toBe('SYNTHETIC');
      expect(s.artist_terms[0]).toBe('synthetic');
      expect(s.song_id.startsWith('SOSYN') && s.artist_id.startsWith('ARSYN')).toBe(true);
      // arrays are consistent with the song
      expect(s.segments_pitches.rows).toBe(s.segments_timbre.rows);
      expect(s.segments_start.length).toBe(s.segments_timbre.rows);
      expect(s.segments_timbre.rows).toBeGreaterThan(50);
      expect(s.segments_start[s.segments_start.length - 1]).toBeLessThan(s.duration);
      expect(s.artist_terms_freq.length).toBe(s.artist_terms.length);
      expect(s.artist_mbtags_count.length).toBe(s.artist_mbtags.length);
      for (let k = 0; k < s.segments_pitches.data.length; k++) {
        const v = s.segments_pitches.data[k];
        if (!(v >= 0 && v <= 1)) throw new Error(`pitch ${v} outside [0, 1] in ${id}`);
      }
    }
    expect(listFiles(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('is deterministic from the seed: same seed, byte-identical corpus; other seed, other corpus', async () => {
    const a = tmp(),
      b = tmp(),
      c = tmp();
    await generateSyntheticCorpus({ dir: a, songs: 12, seed: 99 });
    await generateSyntheticCorpus({ dir: b, songs: 12, seed: 99 });
    await generateSyntheticCorpus({ dir: c, songs: 12, seed: 100 });
    const fa = listFiles(a),
      fb = listFiles(b),
      fc = listFiles(c);
    expect(fb).toEqual(fa);
    for (const f of fa) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
    expect(fc).not.toEqual(fa);
  });

  it('writes chunked + deflated files on request, with the same songs', async () => {
    const a = tmp(),
      b = tmp();
    const ca = await generateSyntheticCorpus({ dir: a, songs: 3, seed: 4 });
    const cb = await generateSyntheticCorpus({ dir: b, songs: 3, seed: 4, storage: 'chunked' });
    for (let i = 0; i < 3; i++) {
      expect(readFileSync(cb.files[i]).equals(readFileSync(ca.files[i]))).toBe(false);
      expect(readSongs(cb.files[i])[0].segments_timbre.data).toEqual(readSongs(ca.files[i])[0].segments_timbre.data);
    }
  });

  it('rejects bad options clearly', async () => {
    expect(() => generateSyntheticSongs({ songs: 10, seed: 1, genres: 1 })).toThrow(/genres must be an integer in 2\.\.8, got 1/);
    expect(() => generateSyntheticSongs({ songs: 10, seed: 1, genres: ['Jazz', 'Polka'] })).toThrow(/unknown genre "Polka"/);
    expect(() => generateSyntheticSongs({ songs: 0, seed: 1 })).toThrow(/songs must be a positive integer/);
    await expect(generateSyntheticCorpus({ dir: tmp(), songs: 2.5, seed: 1 })).rejects.toThrow(RangeError);
  });
});

// ---- the statistics of the corpus -----------------------------------------------------------------

const N = 480;
const { songs: corpus, genres } = generateSyntheticSongs({ songs: N, seed: 2024 });

function timbreMeans(s: Song): number[] {
  const t = s.segments_timbre,
    m = new Array<number>(12).fill(0);
  for (let r = 0; r < t.rows; r++) for (let k = 0; k < 12; k++) m[k] += t.data[r * 12 + k] / t.rows;
  return m;
}

/** One-way ANOVA F statistic of `values` grouped by `groups`. */
function anovaF(values: number[], groups: string[]): number {
  const byGroup = new Map<string, number[]>();
  values.forEach((v, i) => {
    const g = byGroup.get(groups[i]) ?? [];
    g.push(v);
    byGroup.set(groups[i], g);
  });
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  let between = 0,
    within = 0;
  for (const g of byGroup.values()) {
    const m = g.reduce((a, b) => a + b, 0) / g.length;
    between += g.length * (m - mean) ** 2;
    for (const v of g) within += (v - m) ** 2;
  }
  const k = byGroup.size;
  return between / (k - 1) / (within / (values.length - k));
}

describe('synthetic corpus statistics', () => {
  const labels = corpus.map((c) => c.genre);

  it('nests artists in genres, several songs per artist, every genre present', () => {
    const artistGenre = new Map<string, Set<string>>();
    const artistSongs = new Map<string, number>();
    for (const { song, genre } of corpus) {
      const g = artistGenre.get(song.artist_id) ?? new Set<string>();
      g.add(genre);
      artistGenre.set(song.artist_id, g);
      artistSongs.set(song.artist_id, (artistSongs.get(song.artist_id) ?? 0) + 1);
    }
    for (const g of artistGenre.values()) expect(g.size).toBe(1);
    expect(artistGenre.size).toBeGreaterThan(N / 8);
    expect(artistGenre.size).toBeLessThan(N / 2);
    expect([...artistSongs.values()].filter((n) => n >= 3).length).toBeGreaterThan(artistGenre.size / 3);
    expect(new Set(labels)).toEqual(new Set(genres));
    // same-artist songs share the artist-level fields
    const first = new Map<string, Song>();
    for (const { song } of corpus) {
      const f = first.get(song.artist_id);
      if (f === undefined) {
        first.set(song.artist_id, song);
        continue;
      }
      expect(song.artist_familiarity).toBe(f.artist_familiarity);
      expect(song.artist_name).toBe(f.artist_name);
    }
  });

  it('makes song-level fields and timbre depend on the genre (ANOVA F well above 1)', () => {
    for (const field of ['tempo', 'loudness', 'duration', 'energy'] as const) {
      expect(
        anovaF(
          corpus.map((c) => c.song[field]),
          labels,
        ),
        field,
      ).toBeGreaterThan(5);
    }
    // artist-level: one value per artist, so fewer independent samples
    expect(
      anovaF(
        corpus.map((c) => c.song.artist_familiarity),
        labels,
      ),
    ).toBeGreaterThan(2);
    const means = corpus.map((c) => timbreMeans(c.song));
    const strong = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].filter(
      (k) =>
        anovaF(
          means.map((m) => m[k]),
          labels,
        ) > 10,
    );
    expect(strong.length).toBeGreaterThanOrEqual(6);
    // ... but not a single field that gives the genre away: key is only weakly genre-dependent
    expect(
      anovaF(
        corpus.map((c) => c.song.key),
        labels,
      ),
    ).toBeLessThan(20);
  });

  it('is learnable on unseen artists from timbre but not trivially (diagonal Gaussian classifier)', () => {
    // artist-disjoint split: artists in sorted-id order, every other one held out
    const artists = [...new Set(corpus.map((c) => c.song.artist_id))].sort();
    const test = new Set(artists.filter((_, i) => i % 2 === 1));
    const feats = corpus.map((c) => timbreMeans(c.song));
    const std = new Array<number>(12).fill(0),
      mu = new Array<number>(12).fill(0);
    for (const f of feats) for (let k = 0; k < 12; k++) mu[k] += f[k] / N;
    for (const f of feats) for (let k = 0; k < 12; k++) std[k] += (f[k] - mu[k]) ** 2 / N;
    const z = feats.map((f) => f.map((v, k) => (v - mu[k]) / Math.sqrt(std[k])));
    const centroids = new Map<string, number[]>(),
      counts = new Map<string, number>();
    corpus.forEach((c, i) => {
      if (test.has(c.song.artist_id)) return;
      const cen = centroids.get(c.genre) ?? new Array<number>(12).fill(0);
      z[i].forEach((v, k) => {
        cen[k] += v;
      });
      centroids.set(c.genre, cen);
      counts.set(c.genre, (counts.get(c.genre) ?? 0) + 1);
    });
    for (const [g, cen] of centroids) for (let k = 0; k < 12; k++) cen[k] /= counts.get(g)!;
    // pooled within-genre variance per coefficient, and log priors from the training songs
    const within = new Array<number>(12).fill(0);
    let nTrain = 0;
    corpus.forEach((c, i) => {
      if (test.has(c.song.artist_id)) return;
      nTrain++;
      const cen = centroids.get(c.genre)!;
      for (let k = 0; k < 12; k++) within[k] += (z[i][k] - cen[k]) ** 2;
    });
    for (let k = 0; k < 12; k++) within[k] /= nTrain;
    let right = 0,
      total = 0;
    const testCounts = new Map<string, number>();
    corpus.forEach((c, i) => {
      if (!test.has(c.song.artist_id)) return;
      testCounts.set(c.genre, (testCounts.get(c.genre) ?? 0) + 1);
      let best = '',
        bestD = Infinity;
      for (const [g, cen] of centroids) {
        let d = -2 * Math.log(counts.get(g)! / nTrain);
        for (let k = 0; k < 12; k++) d += (z[i][k] - cen[k]) ** 2 / within[k];
        if (d < bestD) {
          bestD = d;
          best = g;
        }
      }
      total++;
      if (best === c.genre) right++;
    });
    const accuracy = right / total;
    const majority = Math.max(...testCounts.values()) / total;
    expect(accuracy).toBeGreaterThan(majority + 0.15);
    expect(accuracy).toBeLessThan(0.95);
  });

  it('keeps MSD-like quirks: NaN hotttnesss, year 0, empty MusicBrainz tags, non-ASCII strings', () => {
    const s = corpus.map((c) => c.song);
    const frac = (p: (x: Song) => boolean): number => s.filter(p).length / s.length;
    expect(frac((x) => Number.isNaN(x.song_hotttnesss))).toBeGreaterThan(0.2);
    expect(frac((x) => x.year === 0)).toBeGreaterThan(0.2);
    expect(frac((x) => x.artist_mbtags.length === 0)).toBeGreaterThan(0.2);
    expect(frac((x) => x.artist_mbtags.length > 0)).toBeGreaterThan(0.1);
    expect(frac((x) => /[^\x00-\x7f]/.test(x.title + x.artist_name))).toBeGreaterThan(0.1);
  });
});
