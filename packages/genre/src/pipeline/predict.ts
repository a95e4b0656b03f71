// Labels new songs with a saved model: rows of any accepted song table, or MSD .h5 files read with
// the MSD reader (song-level fields + timbre/pitch means and population variances over segments).
import type { Song } from '../msd/song.js';
import { explanationGroups, featureDefs, indicatorOf, missingIndicator, type FeatureDef, type FeatureGroup } from '../preprocess/features.js';
import { applyScaler } from '../ml/scaler.js';
import { explainRows } from '../ml/explain.js';
import type { Classifier } from '../ml/types.js';
import type { ModelMeta } from './model-file.js';

/** A table of canonical columns and string values ('' = missing). */
export interface RawTable {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * One prediction; `genre` null when the row lacks a vital field or holds a value far outside anything
 * seen in training (`reason` says which feature).
 */
export interface Prediction {
  readonly trackId: string;
  readonly artist: string;
  readonly title: string;
  readonly genre: string | null;
  readonly probability: number;
  readonly probabilities: readonly number[];
  readonly reason?: string;
  /** Groups or fields this row lacked, imputed with training medians (`timbre`, `year`, …). */
  readonly imputed?: readonly string[];
  /**
   * With `explain`: the feature groups that moved this song's predicted-genre probability most — the
   * change when the group takes its training median instead (positive: the song's values raised it).
   */
  readonly explanation?: readonly { readonly feature: string; readonly effect: number }[];
}

/** Options of `predictTable` and `predictInputs`. */
export interface PredictOptions {
  /** Explain each prediction by its `explain` most influential feature groups (0 = no explanations). */
  readonly explain?: number;
}

const SCALARS = [
  'track_id',
  'song_id',
  'artist_id',
  'artist_name',
  'title',
  'release',
  'duration',
  'key',
  'key_confidence',
  'mode',
  'mode_confidence',
  'tempo',
  'time_signature',
  'time_signature_confidence',
  'loudness',
  'year',
  'danceability',
  'energy',
  'end_of_fade_in',
  'start_of_fade_out',
  'artist_familiarity',
  'artist_hotttnesss',
  'song_hotttnesss',
] as const;

/** Per-column mean and population variance of an N×12 segment matrix (NaN when it has no rows). */
function summarize12(m: { rows: number; data: Float64Array }): { mean: number[]; var: number[] } {
  const mean = new Array<number>(12).fill(0),
    v = new Array<number>(12).fill(0);
  if (m.rows === 0) return { mean: mean.fill(NaN), var: v.fill(NaN) };
  for (let r = 0; r < m.rows; r++) for (let k = 0; k < 12; k++) mean[k] += m.data[r * 12 + k];
  for (let k = 0; k < 12; k++) mean[k] /= m.rows;
  for (let r = 0; r < m.rows; r++)
    for (let k = 0; k < 12; k++) {
      const d = m.data[r * 12 + k] - mean[k];
      v[k] += d * d;
    }
  for (let k = 0; k < 12; k++) v[k] /= m.rows;
  return { mean, var: v };
}

/**
 * Songs as a table with canonical columns: song-level scalars and timbre/pitch means and population
 * variances (the MSD genre dataset's convention).
 */
export function songsToTable(songs: readonly Song[]): RawTable {
  const columns: string[] = [...SCALARS];
  for (const g of ['timbre', 'pitch']) for (const s of ['mean', 'var']) for (let k = 0; k < 12; k++) columns.push(`${g}_${s}_${k}`);
  const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v ?? ''));
  const rows = songs.map((s) => {
    const row = SCALARS.map((c) => fmt((s as unknown as Record<string, unknown>)[c]));
    const t = summarize12(s.segments_timbre),
      p = summarize12(s.segments_pitches);
    for (const a of [t.mean, t.var, p.mean, p.var]) for (const v of a) row.push(fmt(v));
    return row;
  });
  return { columns, rows };
}

/**
 * Encodes a table into the model's features (unscaled; NaN for missing imputable values, which the
 * model's scaler fills with training medians). Imputable groups and fields the input lacks — a song
 * without a timbre summary, or a table without those columns at all when the model has the group's
 * indicator — are imputed and flagged, as in preprocessing: `imputed[i]` names them. Throws if the
 * table cannot provide a feature the model needs; rows missing a vital value get `bad[i]` set to the reason.
 */
export function encodeForModel(
  table: RawTable,
  meta: Pick<ModelMeta, 'featureNames' | 'featureGroups' | 'keyEncoding'>,
): { x: Float64Array; bad: (string | null)[]; imputed: string[][] } {
  // Definitions by name: the model's groups first, then every other group (names mean the same in all).
  const byName = new Map<string, FeatureDef>();
  for (const g of [...meta.featureGroups, 'song', 'original6', 'timbre', 'pitch'] as const) {
    try {
      for (const d of featureDefs([g], table.columns, { keyEncoding: meta.keyEncoding })) if (!byName.has(d.name)) byName.set(d.name, d);
    } catch {
      /* this table lacks the group: the check below names the missing features */
    }
  }
  const names = meta.featureNames;
  const values: (FeatureDef | null)[] = names.map((name) => {
    const d = byName.get(name);
    if (d) return d;
    // An audio summary column the input lacks altogether: imputed when the model knows the group can be missing.
    const audio = /^(timbre|pitch)_(mean|var)_\d+$/.exec(name);
    const indicator = audio ? missingIndicator(audio[1] as FeatureGroup) : '';
    if (audio && names.includes(indicator)) return { name, group: audio[1] as FeatureGroup, needs: [], imputable: true, indicator, value: () => NaN };
    return null;
  });
  // Each indicator column and the value columns it flags.
  const flags = new Map<number, number[]>();
  names.forEach((name, f) => {
    if (values[f] !== null || !name.endsWith('_missing')) return;
    const members = values.flatMap((d, k) => (d?.imputable && indicatorOf(d) === name ? [k] : []));
    if (members.length > 0) flags.set(f, members);
  });
  const missing = names.filter((_, f) => values[f] === null && !flags.has(f));
  if (missing.length > 0) {
    throw new Error(`predict: the input has no column for feature(s) ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''} that the model needs`);
  }
  const col = new Map(table.columns.map((c, i) => [c, i] as const));
  const F = names.length,
    n = table.rows.length;
  const x = new Float64Array(n * F);
  const bad: (string | null)[] = new Array(n).fill(null);
  const imputed: string[][] = [];
  for (let r = 0; r < n; r++) {
    const row = table.rows[r];
    const get = (c: string) => {
      const i = col.get(c);
      const s = i === undefined ? '' : row[i];
      const v = s === '' ? NaN : Number(s);
      return Number.isFinite(v) ? v : NaN;
    };
    for (let f = 0; f < F; f++) {
      const d = values[f];
      if (d === null) continue;
      const v = d.value(get);
      if (Number.isNaN(v) && !d.imputable && bad[r] === null) bad[r] = `missing ${d.needs.join('/') || d.name}`;
      x[r * F + f] = v;
    }
    const what: string[] = [];
    for (const [f, members] of flags) {
      const lacking = members.some((k) => Number.isNaN(x[r * F + k]));
      x[r * F + f] = lacking ? 1 : 0;
      if (lacking) what.push(names[f].slice(0, -'_missing'.length));
    }
    imputed.push(what);
  }
  return { x, bad, imputed };
}

/**
 * A scaled value further than this from 0 (standard deviations for the standard scaler, training ranges
 * for min-max) is far outside anything the model saw: networks saturate there and every such row gets
 * the same class, so the row is not predicted and its `reason` names the feature.
 */
export const MAX_SCALED_MAGNITUDE = 1e3;

/** Why a scaled row is too far outside the training data to predict (null if it is not). */
function farOutside(z: Float32Array, raw: Float64Array, names: readonly string[]): string | null {
  const far: string[] = [];
  for (let f = 0; f < z.length; f++) {
    if (!(Math.abs(z[f]) <= MAX_SCALED_MAGNITUDE)) far.push(`${names[f]} = ${raw[f]}`);
  }
  if (far.length === 0) return null;
  return `far outside the training data (scaled |value| > ${MAX_SCALED_MAGNITUDE}): ${far.slice(0, 3).join(', ')}${far.length > 3 ? ', …' : ''}; not predicted`;
}

/**
 * Rows per classifier call in prediction. Every call has exactly this shape (the last one padded with zero
 * rows), so a row's probabilities never depend on which rows share its table or batch: the matmul kernels
 * choose their code path by the size of the product, and the bits of a result with it.
 */
const PROBA_ROWS = 256;

/** `classifier.predictProba` of `rows` rows, in calls of `PROBA_ROWS` rows. */
function rowStableProba(classifier: Classifier, x: Float32Array, rows: number, F: number, C: number): Float32Array {
  const out = new Float32Array(rows * C);
  const chunk = new Float32Array(PROBA_ROWS * F);
  for (let s = 0; s < rows; s += PROBA_ROWS) {
    const m = Math.min(PROBA_ROWS, rows - s);
    chunk.set(x.subarray(s * F, (s + m) * F));
    if (m < PROBA_ROWS) chunk.fill(0, m * F);
    out.set(classifier.predictProba(chunk, PROBA_ROWS).subarray(0, m * C), s * C);
  }
  return out;
}

/**
 * Predicts every row of a table; rows missing a vital value, or with a value far outside the training
 * data, come back with genre null and a reason.
 */
export function predictTable(classifier: Classifier, meta: ModelMeta, table: RawTable, options: PredictOptions = {}): Prediction[] {
  return predictRows(classifier, meta, table, options, 0);
}

/**
 * `predictTable` for rows that follow `firstRow` other rows of the same table (a batch of a streamed
 * table): a row without a track or song id is named by its place in the whole table.
 */
export function predictRows(classifier: Classifier, meta: ModelMeta, table: RawTable, options: PredictOptions, firstRow: number): Prediction[] {
  const { x, bad, imputed } = encodeForModel(table, meta);
  const F = meta.featureNames.length,
    C = meta.classNames.length;
  const complete: number[] = [];
  for (let i = 0; i < bad.length; i++) if (bad[i] === null) complete.push(i);
  const xs = new Float64Array(complete.length * F);
  complete.forEach((i, r) => xs.set(x.subarray(i * F, (i + 1) * F), r * F));
  const scaled = applyScaler(meta.scaler, xs, complete.length);
  const good: number[] = [];
  complete.forEach((i, r) => {
    bad[i] = farOutside(scaled.subarray(r * F, (r + 1) * F), xs.subarray(r * F, (r + 1) * F), meta.featureNames);
    if (bad[i] === null) good.push(r);
  });
  const zs = new Float32Array(good.length * F);
  good.forEach((r, k) => zs.set(scaled.subarray(r * F, (r + 1) * F), k * F));
  const proba = rowStableProba(classifier, zs, good.length, F, C);
  // The reference a group is replaced by: the training medians (a row of missing values through the scaler).
  const explanations =
    (options.explain ?? 0) > 0 && good.length > 0
      ? explainRows(classifier, zs, good.length, F, {
          reference: applyScaler(meta.scaler, new Float64Array(F).fill(NaN), 1),
          referenceRows: 1,
          featureNames: meta.featureNames,
          groups: explanationGroups(meta.featureNames),
          topK: options.explain,
          probabilities: proba,
        })
      : null;
  const col = (c: string) => table.columns.indexOf(c);
  const [ti, si, ai, tt] = [col('track_id'), col('song_id'), col('artist_name'), col('title')];
  const out: Prediction[] = [];
  let g = 0;
  for (let i = 0; i < table.rows.length; i++) {
    const row = table.rows[i];
    const id = ti >= 0 && row[ti] !== '' ? row[ti] : si >= 0 ? row[si] : `row${firstRow + i + 1}`;
    const base = { trackId: id, artist: ai >= 0 ? row[ai] : '', title: tt >= 0 ? row[tt] : '' };
    if (bad[i] !== null) {
      out.push({ ...base, genre: null, probability: NaN, probabilities: [], reason: bad[i]! });
      continue;
    }
    const p = Array.from(proba.subarray(g * C, (g + 1) * C));
    g++;
    let best = 0;
    for (let c = 1; c < C; c++) if (p[c] > p[best]) best = c;
    const why = explanations?.[g - 1].contributions.map((c) => ({ feature: c.name, effect: c.effect }));
    out.push({
      ...base,
      genre: meta.classNames[best],
      probability: p[best],
      probabilities: p,
      ...(imputed[i].length > 0 ? { imputed: imputed[i] } : {}),
      ...(why ? { explanation: why } : {}),
    });
  }
  return out;
}
