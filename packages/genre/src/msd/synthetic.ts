// A seeded generator of a SYNTHETIC Million-Song-Dataset-format corpus: MSD song files (written by
// writer.ts) plus tagtraum-style labels. Genres shape the song-level fields and, more strongly, the
// timbre/pitch segments; artists nest in genres. Nothing here is real music data.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '@timbre/tensor';
import type { Matrix12, Song } from './song.js';
import { writeMsdFile, type MsdWriteOptions } from './writer.js';
import { writeFileAtomic } from '@timbre/nn';

/** What a genre does to the songs of its artists (means and spreads of the generative model). */
export interface SyntheticGenreProfile {
  readonly name: string;
  /** Relative number of artists of this genre. */
  readonly weight: number;
  readonly tempo: readonly [mean: number, std: number];
  readonly loudness: readonly [mean: number, std: number];
  /** Log-normal-ish duration in seconds. */
  readonly duration: readonly [mean: number, std: number];
  /** P(mode = major). */
  readonly major: number;
  /** Weights of time signatures 1, 3, 4, 5, 7. */
  readonly timeSignature: readonly [number, number, number, number, number];
  /** Preferred keys (0 = C … 11 = B), drawn with extra weight. */
  readonly keys: readonly number[];
  readonly energy: number;
  readonly danceability: number;
  /** Mean artist familiarity / hotttnesss. */
  readonly familiarity: number;
  readonly hotttnesss: number;
  /** Mean release year (0 = unknown is drawn separately). */
  readonly year: number;
  /** 0..1: how clearly the key's chroma profile shows in the pitch vectors. */
  readonly tonality: number;
  /** Correlation between neighbouring timbre coefficients in the segment noise. */
  readonly timbreCoupling: number;
  /** Echo Nest-like artist terms typical of the genre. */
  readonly terms: readonly string[];
}

/** The built-in genre profiles (tagtraum CD1 genre names); the first `genres` are used. */
export const SYNTHETIC_GENRES: readonly SyntheticGenreProfile[] = [
  {
    name: 'Pop_Rock',
    weight: 2.4,
    tempo: [122, 24],
    loudness: [-8, 3.2],
    duration: [235, 55],
    major: 0.7,
    timeSignature: [0.02, 0.08, 0.86, 0.02, 0.02],
    keys: [4, 9, 2, 7],
    energy: 0.65,
    danceability: 0.5,
    familiarity: 0.62,
    hotttnesss: 0.42,
    year: 1995,
    tonality: 0.55,
    timbreCoupling: 0.15,
    terms: ['rock', 'pop rock', 'alternative', 'indie', 'soft rock'],
  },
  {
    name: 'Electronic',
    weight: 1.6,
    tempo: [126, 14],
    loudness: [-7, 3],
    duration: [300, 90],
    major: 0.5,
    timeSignature: [0.03, 0.03, 0.9, 0.02, 0.02],
    keys: [0, 5, 10, 1],
    energy: 0.75,
    danceability: 0.7,
    familiarity: 0.55,
    hotttnesss: 0.4,
    year: 2003,
    tonality: 0.35,
    timbreCoupling: -0.2,
    terms: ['electronic', 'house', 'techno', 'electro', 'ambient'],
  },
  {
    name: 'Rap',
    weight: 1.5,
    tempo: [96, 18],
    loudness: [-6.5, 2.8],
    duration: [240, 50],
    major: 0.45,
    timeSignature: [0.03, 0.03, 0.9, 0.02, 0.02],
    keys: [1, 6, 11, 8],
    energy: 0.7,
    danceability: 0.75,
    familiarity: 0.6,
    hotttnesss: 0.45,
    year: 2002,
    tonality: 0.25,
    timbreCoupling: 0.3,
    terms: ['hip hop', 'rap', 'gangster rap', 'underground hip hop'],
  },
  {
    name: 'Jazz',
    weight: 1.2,
    tempo: [115, 32],
    loudness: [-14, 4.5],
    duration: [320, 120],
    major: 0.6,
    timeSignature: [0.04, 0.2, 0.68, 0.05, 0.03],
    keys: [5, 10, 3, 8],
    energy: 0.35,
    danceability: 0.45,
    familiarity: 0.52,
    hotttnesss: 0.35,
    year: 1975,
    tonality: 0.45,
    timbreCoupling: -0.05,
    terms: ['jazz', 'bebop', 'smooth jazz', 'cool jazz', 'swing'],
  },
  {
    name: 'Country',
    weight: 1,
    tempo: [118, 26],
    loudness: [-10, 3.2],
    duration: [205, 40],
    major: 0.85,
    timeSignature: [0.02, 0.16, 0.8, 0.01, 0.01],
    keys: [7, 2, 9, 4],
    energy: 0.55,
    danceability: 0.55,
    familiarity: 0.58,
    hotttnesss: 0.38,
    year: 1992,
    tonality: 0.7,
    timbreCoupling: 0.05,
    terms: ['country', 'bluegrass', 'country rock', 'americana'],
  },
  {
    name: 'Reggae',
    weight: 0.8,
    tempo: [88, 20],
    loudness: [-9, 3.2],
    duration: [245, 60],
    major: 0.6,
    timeSignature: [0.02, 0.05, 0.9, 0.02, 0.01],
    keys: [9, 2, 7, 0],
    energy: 0.55,
    danceability: 0.72,
    familiarity: 0.5,
    hotttnesss: 0.36,
    year: 1988,
    tonality: 0.5,
    timbreCoupling: 0.22,
    terms: ['reggae', 'roots reggae', 'dub', 'dancehall'],
  },
  {
    name: 'Blues',
    weight: 0.7,
    tempo: [105, 28],
    loudness: [-11, 3.5],
    duration: [260, 70],
    major: 0.65,
    timeSignature: [0.02, 0.22, 0.72, 0.02, 0.02],
    keys: [4, 9, 7, 0],
    energy: 0.5,
    danceability: 0.5,
    familiarity: 0.5,
    hotttnesss: 0.33,
    year: 1978,
    tonality: 0.6,
    timbreCoupling: 0.1,
    terms: ['blues', 'blues-rock', 'chicago blues', 'delta blues'],
  },
  {
    name: 'RnB',
    weight: 0.8,
    tempo: [100, 22],
    loudness: [-8.5, 3],
    duration: [250, 50],
    major: 0.5,
    timeSignature: [0.03, 0.07, 0.86, 0.02, 0.02],
    keys: [1, 8, 3, 10],
    energy: 0.58,
    danceability: 0.65,
    familiarity: 0.57,
    hotttnesss: 0.4,
    year: 1998,
    tonality: 0.5,
    timbreCoupling: -0.12,
    terms: ['r&b', 'soul', 'neo soul', 'funk'],
  },
];

/** Options of `generateSyntheticCorpus`. */
export interface SyntheticCorpusOptions {
  /** Output directory: files go to `<dir>/data/A/B/C/<track_id>.h5`, labels to `<dir>/labels.cls`. */
  readonly dir: string;
  /** Number of songs (files). */
  readonly songs: number;
  /** Number of genres (2..8, the first of SYNTHETIC_GENRES) or their names. Default 6. */
  readonly genres?: number | readonly string[];
  /** Seed of the whole corpus: same seed and options, same bytes. */
  readonly seed: number;
  /** Mean songs per artist (default 4; each artist has 1 or more). */
  readonly songsPerArtist?: number;
  /**
   * HDF5 storage of the files. Default 'contiguous' (no compression: ~4x faster to write, files ~5%
   * smaller than chunked ones because edge chunks are padded); 'chunked' gives the chunked +
   * shuffle + deflate(1) layout of real MSD files.
   */
  readonly storage?: MsdWriteOptions['storage'];
}

/** One synthetic track of the corpus. */
export interface SyntheticTrack {
  readonly trackId: string;
  readonly genre: string;
  readonly artistId: string;
  readonly path: string;
}

/** What `generateSyntheticCorpus` wrote. */
export interface SyntheticCorpus {
  /** Paths of the .h5 files, in generation order. */
  readonly files: string[];
  /** tagtraum-CD1-style labels: `track_id<TAB>genre` per line. */
  readonly labelsPath: string;
  readonly tracks: SyntheticTrack[];
  readonly genres: string[];
  readonly artists: number;
}

// Global scale of the timbre coefficients (song means across songs, real-MSD-like magnitudes) and of
// the segment-to-segment noise. Coefficient 0 (loudness-like) is set from the song's loudness.
const TIMBRE_BASE = [42, 5, 15, 0, -15, -10, 5, 0, -5, 0, -2, 3];
const TIMBRE_SONG_STD = [5, 40, 25, 18, 15, 12, 12, 9, 9, 7, 6, 6];
const TIMBRE_SEG_STD = [7, 45, 35, 25, 22, 18, 18, 14, 13, 11, 10, 10];
// Share of TIMBRE_SONG_STD that is genre / artist / song level: genres are separable but overlap.
const GENRE_SEP = 0.45,
  ARTIST_SPREAD = 0.45,
  SONG_SPREAD = 0.5;
// Krumhansl–Kessler key profiles (C major / C minor), rotated to the song's key.
const MAJOR_PROFILE = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR_PROFILE = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];
const TIME_SIGNATURES = [1, 3, 4, 5, 7];
const CHORD_DEGREES = [0, 5, 7, 9, 2]; // I, IV, V, vi, ii above the key
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const HEX = '0123456789abcdef';
const GENERIC_TERMS = ['synthetic', 'instrumental', 'vocal', 'live', 'seen live', 'experimental', 'lo-fi'];
// Some names carry non-ASCII letters, as real MSD strings do (UTF-8 in the files).
const NAME_PARTS = [
  'Nova',
  'Zoë',
  'Björk-like',
  'Ça Va',
  'Møller',
  'Ñandú',
  'Echo',
  'Delta',
  'Kōan',
  'Static',
  'Velvet',
  'Aurora',
  'Iron',
  'Paper',
  'Müller',
  'Sol',
];

/** Per-genre generative parameters drawn once from a fixed seed, so genres mean the same in every corpus. */
interface GenreModel {
  readonly profile: SyntheticGenreProfile;
  readonly timbreMean: Float64Array; // 12
  readonly timbreSegScale: Float64Array; // 12, multiplies TIMBRE_SEG_STD
}

function genreModels(profiles: readonly SyntheticGenreProfile[]): GenreModel[] {
  return profiles.map((profile) => {
    const g = SYNTHETIC_GENRES.indexOf(profile);
    const r = new Rng(0x5eed + 7919 * g);
    const timbreMean = new Float64Array(12);
    const timbreSegScale = new Float64Array(12);
    for (let k = 0; k < 12; k++) {
      timbreMean[k] = TIMBRE_BASE[k] + GENRE_SEP * TIMBRE_SONG_STD[k] * r.normal();
      timbreSegScale[k] = Math.exp(0.08 * r.normal());
    }
    return { profile, timbreMean, timbreSegScale };
  });
}

function resolveGenres(genres: SyntheticCorpusOptions['genres']): SyntheticGenreProfile[] {
  if (genres === undefined) return SYNTHETIC_GENRES.slice(0, 6);
  if (typeof genres === 'number') {
    if (!Number.isInteger(genres) || genres < 2 || genres > SYNTHETIC_GENRES.length) {
      throw new RangeError(`generateSyntheticCorpus: genres must be an integer in 2..${SYNTHETIC_GENRES.length}, got ${genres}`);
    }
    return SYNTHETIC_GENRES.slice(0, genres);
  }
  const out: SyntheticGenreProfile[] = [];
  for (const name of genres) {
    const p = SYNTHETIC_GENRES.find((g) => g.name === name);
    if (p === undefined) {
      throw new RangeError(`generateSyntheticCorpus: unknown genre ${JSON.stringify(name)} ` + `(known: ${SYNTHETIC_GENRES.map((g) => g.name).join(', ')})`);
    }
    if (out.includes(p)) throw new RangeError(`generateSyntheticCorpus: genre ${name} listed twice`);
    out.push(p);
  }
  if (out.length < 2) throw new RangeError('generateSyntheticCorpus: need at least 2 genres');
  return out;
}

function randomId(rng: Rng, prefix: string, length: number): string {
  let s = prefix;
  while (s.length < length) s += ALNUM[rng.int(ALNUM.length)];
  return s;
}

function randomHex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX[rng.int(16)];
  return s;
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** An exponential deviate with the given mean (never 0). */
function expo(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.uniform()) * mean;
}

interface SyntheticArtist {
  readonly id: string;
  readonly name: string;
  readonly genre: GenreModel;
  readonly genreIndex: number;
  readonly tempoOffset: number;
  readonly loudnessOffset: number;
  readonly timbreOffset: Float64Array;
  readonly timbreScale: Float64Array; // multiplies the genre's segment-noise scale
  readonly familiarity: number;
  readonly hotttnesss: number;
  readonly latitude: number;
  readonly longitude: number;
  readonly location: string;
  readonly mbid: string;
  readonly sevenDigitalId: number;
  readonly playmeId: number;
  readonly terms: string[];
  readonly termsFreq: Float64Array;
  readonly termsWeight: Float64Array;
  readonly mbtags: string[];
  readonly mbtagsCount: Int32Array;
  similar: string[];
}

function makeArtist(rng: Rng, index: number, genre: GenreModel, genreIndex: number): SyntheticArtist {
  const p = genre.profile;
  const timbreOffset = new Float64Array(12);
  const timbreScale = new Float64Array(12);
  for (let k = 0; k < 12; k++) {
    timbreOffset[k] = ARTIST_SPREAD * TIMBRE_SONG_STD[k] * rng.normal();
    timbreScale[k] = genre.timbreSegScale[k] * Math.exp(0.15 * rng.normal());
  }
  // terms: mostly the genre's, some generic; 'synthetic' always first
  const nTerms = 3 + rng.int(6);
  const terms = ['synthetic'];
  while (terms.length < nTerms) {
    const pool = rng.uniform() < 0.65 ? p.terms : GENERIC_TERMS;
    const t = pool[rng.int(pool.length)];
    if (!terms.includes(t)) terms.push(t);
  }
  const termsFreq = new Float64Array(terms.length);
  const termsWeight = new Float64Array(terms.length);
  for (let i = 0; i < terms.length; i++) {
    termsFreq[i] = round3(clamp(1 - 0.12 * i + 0.05 * rng.normal(), 0.05, 1));
    termsWeight[i] = round3(clamp(1 - 0.1 * i + 0.05 * rng.normal(), 0.05, 1));
  }
  const hasMb = rng.uniform() < 0.4; // most real files have no MusicBrainz tags
  const mbtags = hasMb ? [p.terms[0], ...(rng.uniform() < 0.5 ? [p.terms[1 + rng.int(p.terms.length - 1)]] : [])] : [];
  const mbtagsCount = Int32Array.from(mbtags, () => 1 + rng.int(5));
  const hasLocation = rng.uniform() < 0.4;
  const first = NAME_PARTS[rng.int(NAME_PARTS.length)],
    second = NAME_PARTS[rng.int(NAME_PARTS.length)];
  return {
    id: randomId(rng, 'ARSYN', 18),
    name: `Synthetic Artist ${index + 1} ${first} ${second}`,
    genre,
    genreIndex,
    tempoOffset: 0.5 * p.tempo[1] * rng.normal(),
    loudnessOffset: 0.6 * p.loudness[1] * rng.normal(),
    timbreOffset,
    timbreScale,
    familiarity: round3(clamp(p.familiarity + 0.15 * rng.normal(), 0, 1)),
    hotttnesss: round3(clamp(p.hotttnesss + 0.1 * rng.normal(), 0, 1)),
    latitude: hasLocation ? round3(rng.uniform(-50, 65)) : NaN,
    longitude: hasLocation ? round3(rng.uniform(-125, 150)) : NaN,
    location: hasLocation ? `Synthetic City ${1 + rng.int(50)}` : '',
    mbid: rng.uniform() < 0.7 ? `${randomHex(rng, 8)}-${randomHex(rng, 4)}-${randomHex(rng, 4)}-${randomHex(rng, 4)}-${randomHex(rng, 12)}` : '',
    sevenDigitalId: rng.uniform() < 0.8 ? 1 + rng.int(800000) : -1,
    playmeId: rng.uniform() < 0.4 ? 1 + rng.int(200000) : -1,
    terms,
    termsFreq,
    termsWeight,
    mbtags,
    mbtagsCount,
    similar: [],
  };
}

function pickTimeSignature(rng: Rng, w: readonly number[]): number {
  let u = rng.uniform() * (w[0] + w[1] + w[2] + w[3] + w[4]);
  for (let i = 0; i < 5; i++) {
    if (u < w[i]) return TIME_SIGNATURES[i];
    u -= w[i];
  }
  return 4;
}

/** Evenly spaced event times with jitter, from `start` while < `end`. */
function grid(rng: Rng, start: number, end: number, step: number, jitter: number): Float64Array {
  const n = Math.max(0, Math.floor((end - start) / step));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = round3(start + i * step + jitter * rng.normal());
  for (let i = 1; i < n; i++) if (out[i] <= out[i - 1]) out[i] = out[i - 1] + 0.001;
  return out;
}

function uniforms(rng: Rng, n: number, lo: number, hi: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = round3(rng.uniform(lo, hi));
  return out;
}

/** One synthetic song of `artist` (all fields of the MSD getters). */
function makeSong(rng: Rng, artist: SyntheticArtist, songIndex: number, release: string, release7d: number): Song {
  const g = artist.genre,
    p = g.profile;
  const trackId = randomId(rng, 'TRSYN', 18);
  const tempo = round3(clamp(p.tempo[0] + artist.tempoOffset + 0.75 * p.tempo[1] * rng.normal(), 45, 240));
  const loudness = round3(clamp(p.loudness[0] + artist.loudnessOffset + 0.8 * p.loudness[1] * rng.normal(), -40, -0.5));
  const sigma = Math.sqrt(Math.log(1 + (p.duration[1] / p.duration[0]) ** 2));
  const duration = round3(clamp(p.duration[0] * Math.exp(sigma * rng.normal() - (sigma * sigma) / 2), 30, 1500));
  const mode = rng.uniform() < p.major ? 1 : 0;
  const key = rng.uniform() < 0.45 ? p.keys[rng.int(p.keys.length)] : rng.int(12);
  const timeSignature = pickTimeSignature(rng, p.timeSignature);
  const endOfFadeIn = round3(expo(rng, 0.6));
  const startOfFadeOut = round3(Math.max(endOfFadeIn, duration - expo(rng, 6)));

  // song-level timbre mean: genre + artist + song; coefficient 0 follows loudness
  const songTimbre = new Float64Array(12),
    segScale = new Float64Array(12);
  for (let k = 0; k < 12; k++) {
    songTimbre[k] = g.timbreMean[k] + artist.timbreOffset[k] + SONG_SPREAD * TIMBRE_SONG_STD[k] * rng.normal();
    segScale[k] = TIMBRE_SEG_STD[k] * artist.timbreScale[k] * Math.exp(0.12 * rng.normal());
  }
  songTimbre[0] += 1.1 * (loudness - p.loudness[0]);

  // segments: exponential-ish durations (~0.3 s), section-level shifts, genre-coupled noise
  const segStarts: number[] = [];
  for (let t = 0; t < duration; t += 0.07 + expo(rng, 0.2 + 6 / tempo)) segStarts.push(round3(t));
  const nSeg = segStarts.length;
  const sectionLen = 15 + 25 * rng.uniform();
  const sectionsStart = grid(rng, 0, duration, sectionLen, 0.5);
  if (sectionsStart.length > 0) sectionsStart[0] = 0;
  const nSections = sectionsStart.length;
  const sectionShift = new Float64Array(Math.max(1, nSections) * 12);
  for (let i = 0; i < sectionShift.length; i++) sectionShift[i] = 0.3 * TIMBRE_SONG_STD[i % 12] * rng.normal();

  const timbre = new Float64Array(nSeg * 12);
  const pitches = new Float64Array(nSeg * 12);
  const segConfidence = new Float64Array(nSeg);
  const loudStart = new Float64Array(nSeg);
  const loudMax = new Float64Array(nSeg);
  const loudMaxTime = new Float64Array(nSeg);
  const z = new Float64Array(12);
  const profile = mode === 1 ? MAJOR_PROFILE : MINOR_PROFILE;
  const tonal = clamp(p.tonality + 0.1 * rng.normal(), 0.05, 0.95);
  const coupling = p.timbreCoupling;
  const inKey = new Float64Array(12);
  for (let c = 0; c < 12; c++) inKey[c] = profile[(c - key + 12) % 12] / 6.35;
  const noiseScale = 1.1 - tonal;
  let section = 0;
  for (let s = 0; s < nSeg; s++) {
    const t = segStarts[s];
    while (section + 1 < nSections && sectionsStart[section + 1] <= t) section++;
    for (let k = 0; k < 12; k++) z[k] = rng.normal();
    const row = s * 12,
      sh = section * 12;
    for (let k = 0; k < 12; k++) {
      const noise = z[k] + coupling * z[(k + 1) % 12];
      timbre[row + k] = round3(songTimbre[k] + sectionShift[sh + k] + segScale[k] * noise);
    }
    // chroma: the key profile (strength = tonality) plus a random chord root, scaled so the max is 1
    const root = (key + CHORD_DEGREES[rng.int(5)]) % 12;
    let max = 0;
    for (let c = 0; c < 12; c++) {
      const chord = c === root || c === (root + 4) % 12 || c === (root + 7) % 12 ? 0.5 : 0;
      const v = tonal * (inKey[c] + chord) + noiseScale * rng.uniform();
      pitches[row + c] = v;
      if (v > max) max = v;
    }
    for (let c = 0; c < 12; c++) pitches[row + c] = round3(pitches[row + c] / max);
    segConfidence[s] = round3(rng.uniform());
    const ls = loudness - 8 + 4 * rng.normal();
    loudStart[s] = round3(ls);
    loudMax[s] = round3(ls + expo(rng, 5));
    const segDur = (s + 1 < nSeg ? segStarts[s + 1] : duration) - t;
    loudMaxTime[s] = round3(rng.uniform() * Math.max(segDur, 0.001));
  }

  // rhythm grids from the tempo
  const beat = 60 / tempo;
  const beatsStart = grid(rng, endOfFadeIn, duration, beat, 0.004);
  const barsStart = grid(rng, endOfFadeIn, duration, beat * timeSignature, 0.004);
  const tatumsStart = grid(rng, endOfFadeIn, duration, beat / 2, 0.003);
  const year = rng.uniform() < 0.5 ? 0 : Math.round(clamp(p.year + 10 * rng.normal(), 1926, 2010));
  const hot = rng.uniform() < 0.45 ? NaN : round3(clamp(artist.hotttnesss + 0.15 * rng.normal(), 0, 1));
  const accent = ['', ' (Café Mix)', ' — Ünïcode Edit', ' (Live)'][rng.int(4)];
  const mat = (data: Float64Array): Matrix12 => ({ rows: data.length / 12, cols: 12, data });

  return {
    analyzer_version: 'SYNTHETIC',
    artist_7digitalid: artist.sevenDigitalId,
    artist_familiarity: artist.familiarity,
    artist_hotttnesss: artist.hotttnesss,
    artist_id: artist.id,
    artist_latitude: artist.latitude,
    artist_location: artist.location,
    artist_longitude: artist.longitude,
    artist_mbid: artist.mbid,
    artist_name: artist.name,
    artist_playmeid: artist.playmeId,
    genre: '',
    release,
    release_7digitalid: release7d,
    song_hotttnesss: hot,
    song_id: randomId(rng, 'SOSYN', 18),
    title: `Synthetic Song ${songIndex + 1}${accent}`,
    track_7digitalid: rng.uniform() < 0.8 ? 1 + rng.int(9000000) : -1,
    similar_artists: artist.similar,
    artist_terms: artist.terms,
    artist_terms_freq: artist.termsFreq,
    artist_terms_weight: artist.termsWeight,
    analysis_sample_rate: 22050,
    audio_md5: randomHex(rng, 32),
    danceability: round3(clamp(p.danceability + 0.25 * rng.normal(), 0, 1)),
    duration,
    end_of_fade_in: endOfFadeIn,
    energy: round3(clamp(p.energy + 0.25 * rng.normal(), 0, 1)),
    key,
    key_confidence: round3(clamp(tonal + 0.25 * rng.normal(), 0, 1)),
    loudness,
    mode,
    mode_confidence: round3(rng.uniform()),
    start_of_fade_out: startOfFadeOut,
    tempo,
    time_signature: timeSignature,
    time_signature_confidence: round3(rng.uniform()),
    track_id: trackId,
    segments_start: Float64Array.from(segStarts),
    segments_confidence: segConfidence,
    segments_pitches: mat(pitches),
    segments_timbre: mat(timbre),
    segments_loudness_max: loudMax,
    segments_loudness_max_time: loudMaxTime,
    segments_loudness_start: loudStart,
    sections_start: sectionsStart,
    sections_confidence: uniforms(rng, nSections, 0, 1),
    beats_start: beatsStart,
    beats_confidence: uniforms(rng, beatsStart.length, 0, 1),
    bars_start: barsStart,
    bars_confidence: uniforms(rng, barsStart.length, 0, 1),
    tatums_start: tatumsStart,
    tatums_confidence: uniforms(rng, tatumsStart.length, 0, 1),
    year,
    artist_mbtags: artist.mbtags,
    artist_mbtags_count: artist.mbtagsCount,
  };
}

interface CorpusPlan {
  readonly genres: string[];
  readonly artists: SyntheticArtist[];
  readonly sizes: number[]; // songs per artist
  readonly rng: Rng;
}

/** Draws the artists (genre, size, artist-level fields); songs are drawn later, one at a time. */
function planCorpus(options: Omit<SyntheticCorpusOptions, 'dir' | 'storage'>): CorpusPlan {
  const { songs: nSongs, seed } = options;
  if (!Number.isInteger(nSongs) || nSongs < 1) throw new RangeError(`generateSyntheticCorpus: songs must be a positive integer, got ${nSongs}`);
  const perArtist = options.songsPerArtist ?? 4;
  if (!(perArtist >= 1)) throw new RangeError(`generateSyntheticCorpus: songsPerArtist must be >= 1, got ${perArtist}`);
  if (!Number.isFinite(seed)) throw new RangeError(`generateSyntheticCorpus: seed must be a finite number, got ${seed}`);
  const profiles = resolveGenres(options.genres);
  const models = genreModels(profiles);
  const rng = new Rng(seed);
  const weights = profiles.map((p) => p.weight);

  // artists first (genre, size), so similar_artists can name artists of the same genre
  const artists: SyntheticArtist[] = [];
  const sizes: number[] = [];
  for (let total = 0; total < nSongs; ) {
    const gi = rng.choice(models.length, 1, { p: weights })[0];
    const artist = makeArtist(rng, artists.length, models[gi], gi);
    const size = Math.min(nSongs - total, 1 + Math.floor(expo(rng, perArtist - 0.5)));
    artists.push(artist);
    sizes.push(size);
    total += size;
  }
  // every genre gets an artist when there are enough artists: re-draw an artist of a genre that has several
  const count = new Array<number>(models.length).fill(0);
  for (const a of artists) count[a.genreIndex]++;
  for (let gi = 0; gi < models.length && artists.length >= models.length; gi++) {
    if (count[gi] > 0) continue;
    let victim = artists.length - 1;
    while (count[artists[victim].genreIndex] < 2) victim--;
    count[artists[victim].genreIndex]--;
    artists[victim] = makeArtist(rng, victim, models[gi], gi);
    count[gi]++;
  }
  const byGenre = models.map((_, gi) => artists.filter((a) => a.genreIndex === gi));
  for (const a of artists) {
    const same = byGenre[a.genreIndex];
    const n = Math.min(artists.length - 1, rng.int(12));
    const sim = new Set<string>();
    for (let tries = 0; sim.size < n && tries < 100; tries++) {
      const b = same.length > 1 && rng.uniform() < 0.8 ? same[rng.int(same.length)] : artists[rng.int(artists.length)];
      if (b !== a) sim.add(b.id);
    }
    a.similar = [...sim];
  }
  return { genres: profiles.map((p) => p.name), artists, sizes, rng };
}

/** The songs of a plan, in order, drawn lazily (memory stays bounded for big corpora). */
function* planSongs(plan: CorpusPlan): Generator<{ song: Song; genre: string }> {
  const { artists, sizes, rng } = plan;
  let index = 0;
  for (let ai = 0; ai < artists.length; ai++) {
    const a = artists[ai];
    let release = '',
      release7d = 0;
    for (let k = 0; k < sizes[ai]; k++) {
      if (k % 4 === 0) {
        // a new synthetic album every few songs
        release = `Synthetic Release ${ai + 1}.${k / 4 + 1}`;
        release7d = 1 + rng.int(900000);
      }
      yield { song: makeSong(rng, a, index++, release, release7d), genre: a.genre.profile.name };
    }
  }
}

/**
 * Generates the songs of a synthetic corpus in memory (no files): artists nested in genres, several
 * songs per artist. Deterministic in `seed`; the same songs `generateSyntheticCorpus` writes.
 *
 * @example
 * const { songs, genres } = generateSyntheticSongs({ songs: 50, seed: 1 });
 * songs[0].song.track_id; // 'TRSYN…'
 */
export function generateSyntheticSongs(options: Omit<SyntheticCorpusOptions, 'dir' | 'storage'>): {
  songs: { song: Song; genre: string }[];
  genres: string[];
  artists: number;
} {
  const plan = planCorpus(options);
  return { songs: [...planSongs(plan)], genres: plan.genres, artists: plan.artists.length };
}

/**
 * Writes a SYNTHETIC MSD-format corpus: one song file per track at `<dir>/data/A/B/C/<track_id>.h5`
 * (A/B/C = track id characters 3–5, the MSD layout; every synthetic id starts with `TRSYN`, so they
 * all live under data/S/Y/N) and `<dir>/labels.cls` (`track_id<TAB>genre`, tagtraum CD1 format).
 * Every file is written atomically. Same options and seed: identical files.
 *
 * @example
 * const corpus = await generateSyntheticCorpus({ dir: 'tmp/syn', songs: 600, seed: 42 });
 * corpus.files.length; // 600
 */
export async function generateSyntheticCorpus(options: SyntheticCorpusOptions): Promise<SyntheticCorpus> {
  const plan = planCorpus(options);
  const files: string[] = [];
  const tracks: SyntheticTrack[] = [];
  const made = new Set<string>();
  for (const { song, genre } of planSongs(plan)) {
    // one song in memory at a time
    const id = song.track_id;
    const sub = join(options.dir, 'data', id[2], id[3], id[4]);
    if (!made.has(sub)) {
      await mkdir(sub, { recursive: true });
      made.add(sub);
    }
    const path = join(sub, `${id}.h5`);
    await writeMsdFile(path, [song], { storage: options.storage ?? 'contiguous', fsync: false });
    files.push(path);
    tracks.push({ trackId: id, genre, artistId: song.artist_id, path });
  }
  const labelsPath = join(options.dir, 'labels.cls');
  writeFileAtomic(labelsPath, tracks.map((t) => `${t.trackId}\t${t.genre}\n`).join(''));
  return { files, labelsPath, tracks, genres: plan.genres, artists: plan.artists.length };
}
