// SongCSV (or any accepted song table) + labels (+ joined feature tables) → preprocessed_data.csv:
// one row per usable song with its genre, artist group, split and encoded (unscaled) features.
// Scaling and imputation are fitted later on the training split only (see ml/scaler.ts).
import { statSync } from 'node:fs';
import { CsvWriter, csvRecords, writeAll, type CsvCell, type CsvRecord } from '../io/csv.js';
import { countLines } from '../io/csv-stream.js';
import { trainValidTestSplit } from '../ml/split.js';
import { readLabels, type LabelRuleOptions } from '../labels/label.js';
import { featureDefs, featureGroupsOf, indicatorOf, parseFeatureSpec, type FeatureDef, type FeatureGroup, type KeyEncoding } from './features.js';
import { NON_NEGATIVE, cleanValue, isDecimal, recordWidth, scanSongTable, tableNumber } from './table.js';

/** Split parts, as stored in the `split` column. */
export const SPLIT_NAMES = ['train', 'valid', 'test'] as const;
/** 'train', 'valid' or 'test': one of {@link SPLIT_NAMES}. */
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Options of {@link preprocess}: input table and labels, joins, feature groups, cleaning, split and output path. */
export interface PreprocessOptions {
  /** The song table (SongCSV, extended CSV, tagtraum-joined CSV, MSD genre dataset text). */
  input: string;
  /** Label file (.cls / label file, lastfm_subset .json or directory). Optional if the table has a genre column. */
  labels?: string;
  labelRule?: LabelRuleOptions;
  /** Feature tables joined on track_id (or song_id): their audio and song-level columns fill gaps. */
  joins?: readonly string[];
  /** Feature groups: "auto" (default: song + audio present), "original6", "song,timbre,pitch", … */
  features?: string;
  keyEncoding?: KeyEncoding;
  /** Classes with fewer rows are dropped or merged into "other" (default 10). */
  minClassCount?: number;
  rareClasses?: 'drop' | 'merge';
  /** 'artist' (default): artist-disjoint stratified split; 'random': stratified row split. */
  split?: 'artist' | 'random';
  validFraction?: number;
  testFraction?: number;
  seed?: number;
  /**
   * Imputable groups or features a row must have (e.g. ['timbre']): rows missing them are dropped
   * instead of imputed. Default none: a missing audio summary or imputable field is imputed.
   */
  require?: readonly string[];
  /** Where to write preprocessed_data.csv (atomically). Omit to only return the data. */
  output?: string;
}

/** Encoded data ready for a scaler and a model. `x` holds NaN where an imputable value is missing. */
export interface PreparedData {
  readonly featureNames: readonly string[];
  readonly featureGroups: readonly FeatureGroup[];
  readonly classNames: readonly string[];
  readonly rows: number;
  readonly x: Float64Array;
  readonly y: Int32Array;
  readonly trackIds: readonly string[];
  readonly artists: readonly string[];
  readonly titles: readonly string[];
  /** Artist key used for grouping ('' when unknown). */
  readonly groups: readonly string[];
  /** 0 = train, 1 = valid, 2 = test. */
  readonly split: Int8Array;
}

/** What preprocessing did, for the CLI, the JSON output and the report. */
export interface PreprocessReport {
  input: string;
  format: string;
  labelSource: string;
  joins: { path: string; key: string; matched: number }[];
  rowsRead: number;
  truncatedRows: { count: number; examples: number[] };
  dropped: Record<string, number>;
  /** Rows kept with a group or field imputed, by group or field (`timbre`, `year`, …). */
  imputed: Record<string, number>;
  rareClasses: { name: string; count: number; action: 'drop' | 'merge' }[];
  kept: number;
  classes: { name: string; count: number }[];
  featureGroups: FeatureGroup[];
  features: string[];
  keyEncoding: KeyEncoding;
  split: { kind: 'artist' | 'random'; seed: number; train: number; valid: number; test: number; artists: number };
}

/** Class names of the MSD genre dataset's integer codes (see msd-genre-2class-subset/PROVENANCE.md). */
const MSD_GENRE_CODES: Record<string, string> = { '0': 'dance and electronica', '1': 'jazz and blues' };

const IDENTITY = new Set(['track_id', 'song_id', 'artist_id', 'artist_name', 'title', 'release', 'genre']);

/**
 * A growable Float64Array, for columns whose length is known only at the end of a stream. Start it at an estimate
 * of the final length: pages of a typed array that are never written cost no memory, copies on growth do.
 */
class F64Column {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(Math.ceil(this.data.length * 1.5));
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

/** A growable Int32Array (see F64Column). */
class I32Column {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(Math.ceil(this.data.length * 1.5));
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
}

/** Distinct strings, each with a small integer id. */
class StringIds {
  readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.names.length;
      this.ids.set(s, i);
      this.names.push(s);
    }
    return i;
  }
}

// A joined column is worth taking when it is numeric-looking and named like a feature (not gender, country, mbid, …).
const joinable = (c: string): boolean => !IDENTITY.has(c) && !c.includes('__') && (/^(timbre|pitch)_(mean|var)_\d+$/.test(c) || /^[a-z_]+$/.test(c));

/**
 * A feature table held for a join: its key column's values → row index, and one Float64Array per numeric column.
 * A joined cell that `tableNumber` would refuse (outside float32, negative where it cannot be) keeps its text, so
 * the error names it when a row uses it.
 */
interface JoinTable {
  readonly path: string;
  readonly key: string;
  readonly rowOf: Map<string, number>;
  /** Numeric columns (every non-empty cell a decimal number, at least one non-empty), in the table's order. */
  readonly columns: readonly string[];
  readonly values: readonly Float64Array[];
  readonly refused: readonly Map<number, string>[];
}

/** Reads a join table against the main table's columns (which pick the key: track_id, else song_id). */
async function readJoinTable(path: string, tableColumns: readonly string[]): Promise<JoinTable> {
  let key = '',
    rowOf = new Map<string, number>();
  let useful: { c: string; i: number }[] = [],
    values: F64Column[] = [],
    refused: Map<number, string>[] = [];
  let decimal: boolean[] = [],
    seen: boolean[] = [];
  await scanSongTable(path, async (head) => {
    const cols = head.columns;
    const k =
      tableColumns.includes('track_id') && cols.includes('track_id')
        ? 'track_id'
        : tableColumns.includes('song_id') && cols.includes('song_id')
          ? 'song_id'
          : null;
    if (k === null) throw new Error(`preprocess: cannot join ${path}: neither track_id nor song_id is in both tables`);
    key = k;
    const jKey = cols.indexOf(key),
      width = head.header.length;
    useful = cols.map((c, i) => ({ c, i })).filter(({ c }) => joinable(c));
    values = useful.map(() => new F64Column());
    refused = useful.map(() => new Map<number, string>());
    decimal = useful.map(() => true);
    seen = useful.map(() => false);
    rowOf = new Map<string, number>();
    let n = 0;
    return (rec) => {
      if (recordWidth(rec, width) !== width) return; // a join table's truncated row is left out
      rowOf.set(cleanValue(rec.field(jKey)), n); // a repeated key: the last row wins
      for (let u = 0; u < useful.length; u++) {
        if (!decimal[u]) continue;
        const cell = cleanValue(rec.field(useful[u].i));
        if (cell === '') {
          values[u].push(NaN);
          continue;
        }
        if (!isDecimal(cell)) {
          decimal[u] = false;
          continue;
        }
        seen[u] = true;
        const v = Number(cell);
        values[u].push(v);
        if (!(Math.abs(v) <= FLOAT32_MAX) || v < 0) {
          try {
            tableNumber(cell, path, n + 1, useful[u].c);
          } catch {
            refused[u].set(n, cell);
          }
        }
      }
      n++;
    };
  });
  const keep = useful.map((_, u) => decimal[u] && seen[u]);
  return {
    path,
    key,
    rowOf,
    columns: useful.filter((_, u) => keep[u]).map(({ c }) => c),
    values: values.filter((_, u) => keep[u]).map((v) => v.data.subarray(0, v.length)),
    refused: refused.filter((_, u) => keep[u]),
  };
}
const FLOAT32_MAX = 3.4028234663852886e38;

/** What the row pass keeps of each kept row: the source numbers the features read, ids of its strings. */
interface KeptRows {
  /** Source columns (the columns the features read), `S` numbers per kept row. */
  readonly sources: readonly string[];
  values: Float64Array;
  rows: number;
  genre: Int32Array;
  readonly genres: readonly string[];
  /** Track (or song) ids, when the table has them. */
  readonly trackIds: readonly string[];
  readonly titles: readonly string[];
  artist: Int32Array;
  readonly artists: readonly string[];
  group: Int32Array;
  readonly groupNames: readonly string[];
  /** The first error a kept row's feature values raised, by kept-row index (thrown if the row is kept to the end). */
  readonly errors: Map<number, Error>;
}

/** The columns a feature's value reads (found by calling it with a recording getter). */
function columnsRead(d: FeatureDef): string[] {
  const read = new Set<string>(d.needs);
  for (const probe of [0, 1, -1, NaN])
    d.value((c) => {
      read.add(c);
      return probe;
    });
  return [...read];
}

/** Everything `preprocess` computes before the output: the report, the kept rows and how they encode. */
interface Prepared {
  report: PreprocessReport;
  kept: KeptRows;
  defs: FeatureDef[];
  indicatorAfter: Map<FeatureDef, string>;
  byIndicator: Map<string, FeatureDef[]>;
  /** Kept-row index of each output row. */
  order: Int32Array;
  classNames: string[];
  y: Int32Array;
  split: Int8Array;
  groupsSpec: FeatureGroup[];
  names: string[];
  hasIdCol: boolean;
}

/**
 * The work of `preprocess`, streamed: the table is read once, record by record, into typed columns (the numbers
 * the features need; class, artist and group ids; track ids and titles as strings). Join tables are held as
 * key → row maps and typed columns. No row of strings is kept.
 */
async function prepare(options: PreprocessOptions): Promise<Prepared> {
  const {
    input,
    labels,
    joins = [],
    features = 'auto',
    keyEncoding = 'onehot',
    minClassCount = 10,
    rareClasses = 'drop',
    split = 'artist',
    validFraction = 0.15,
    testFraction = 0.15,
    seed = 42,
  } = options;
  if (!Number.isInteger(minClassCount) || minClassCount < 1) throw new RangeError(`preprocess: minClassCount must be a positive integer, got ${minClassCount}`);
  if (split !== 'artist' && split !== 'random') throw new RangeError(`preprocess: split must be "artist" or "random", got "${String(split)}"`);
  if (rareClasses !== 'drop' && rareClasses !== 'merge')
    throw new RangeError(`preprocess: rareClasses must be "drop" or "merge", got "${String(rareClasses)}"`);

  let labelSource = '';
  const joinInfo: PreprocessReport['joins'] = [];
  let groupsSpec: FeatureGroup[] = [],
    defs: FeatureDef[] = [];
  const byIndicator = new Map<string, FeatureDef[]>();
  const what = (indicator: string) => indicator.slice(0, -'_missing'.length);
  let kept: KeptRows | null = null;
  let truncatedCount = 0,
    truncatedExamples: number[] = [],
    rowsRead = 0;
  let dropReasons = new Map<string, number>();
  let hasIdCol = false;

  // scanSongTable calls this once per reading of the table (twice when it falls back to the tolerant tokenizer).
  const head = await scanSongTable(input, async (head) => {
    const cols = [...head.columns];
    const width = head.header.length;
    let genreCell: (rec: CsvRecord) => string;
    if (labels !== undefined) {
      const lab = await readLabels(labels, options.labelRule);
      const k = cols.indexOf('track_id');
      if (k < 0) throw new Error(`preprocess: ${input}: has no track_id column, so labels from ${labels} (keyed by track id) cannot be joined`);
      genreCell = (rec) => lab.labels.get(cleanValue(rec.field(k))) ?? '';
      labelSource = labels;
    } else {
      const g = cols.indexOf('genre');
      if (g < 0) throw new Error(`preprocess: ${input}: no genre column and no label file: pass labels (a .cls label file or last.fm JSON)`);
      genreCell =
        head.format === 'msd-genre'
          ? (rec) => {
              const v = cleanValue(rec.field(g));
              return MSD_GENRE_CODES[v] ?? v;
            }
          : (rec) => cleanValue(rec.field(g));
      labelSource = `${input} (genre column)`;
    }
    // Joins: each adds its numeric columns the table lacks, and fills the table's empty cells (first join first).
    const joined: JoinTable[] = [];
    joinInfo.length = 0;
    for (const j of joins) {
      const jt = await readJoinTable(j, cols);
      for (const c of jt.columns) if (!cols.includes(c)) cols.push(c);
      joined.push(jt);
      joinInfo.push({ path: j, key: jt.key, matched: 0 });
    }

    groupsSpec = parseFeatureSpec(features, cols);
    defs = featureDefs(groupsSpec, cols, { keyEncoding });
    const vitalCols = [...new Set(defs.flatMap((d) => d.needs))];
    // Imputable features share an indicator per audio group, or have their own (`year_missing`).
    byIndicator.clear();
    for (const d of defs.filter((x) => x.imputable)) byIndicator.set(indicatorOf(d), [...(byIndicator.get(indicatorOf(d)) ?? []), d]);
    const required = [...new Set(options.require ?? [])];
    for (const r of required) {
      if (!byIndicator.has(`${r}_missing`)) {
        throw new RangeError(
          `preprocess: --require ${r}: not an imputable group or field of these features (imputable: ${[...byIndicator.keys()].map(what).join(', ') || 'none'})`,
        );
      }
    }

    // Source columns: each is a table field and/or joined columns; the table's non-empty cell wins, then the joins in order.
    const sources = [...new Set(defs.flatMap(columnsRead))].filter((c) => cols.includes(c));
    const S = sources.length;
    const srcIndex = new Map(sources.map((c, i) => [c, i] as const));
    const tableField = sources.map((c) => head.columns.indexOf(c));
    const nonNegative = sources.map((c) => NON_NEGATIVE.has(c));
    const joinFrom = sources.map((c) =>
      joined.flatMap((jt, j) => {
        const k = jt.columns.indexOf(c);
        return k < 0 ? [] : [{ j, values: jt.values[k], refused: jt.refused[k] }];
      }),
    );
    const keyField = joined.map((jt) => head.columns.indexOf(jt.key));
    const jRow = new Int32Array(joined.length);
    const matched = new Int32Array(joined.length);

    // The current row's source values, each parsed when first read (so a bad cell fails only where it is used).
    const cur = new Float64Array(S);
    const done = new Uint8Array(S);
    let line = 0,
      record: CsvRecord | null = null;
    const sourceValue = (s: number): number => {
      if (done[s] === 1) return cur[s];
      let v = NaN;
      const f = tableField[s];
      const plain = f >= 0 ? record!.plainNumber(f) : NaN;
      // A plain number needs only the range checks; anything else (empty, spaces, nan, bytes reprs, errors) goes as text.
      const cell = !Number.isNaN(plain) && Math.abs(plain) <= FLOAT32_MAX && !(plain < 0 && nonNegative[s]) ? null : f >= 0 ? cleanValue(record!.field(f)) : '';
      if (cell === null) v = plain;
      else if (cell !== '') v = tableNumber(cell, input, line, sources[s]);
      else {
        for (const src of joinFrom[s]) {
          const r = jRow[src.j];
          if (r < 0) continue;
          const jv = src.values[r];
          if (Number.isNaN(jv)) continue;
          const text = src.refused.get(r);
          v = text !== undefined ? tableNumber(text, input, line, sources[s]) : jv;
          break;
        }
      }
      done[s] = 1;
      cur[s] = v;
      return v;
    };
    const get = (c: string): number => {
      const s = srcIndex.get(c);
      return s === undefined ? NaN : sourceValue(s);
    };
    const lacks = (indicator: string) => byIndicator.get(indicator)!.some((d) => Number.isNaN(d.value(get)));

    const idCol = head.columns.includes('track_id') ? head.columns.indexOf('track_id') : head.columns.indexOf('song_id');
    hasIdCol = idCol >= 0;
    const artistIdCol = head.columns.indexOf('artist_id'),
      artistCol = head.columns.indexOf('artist_name'),
      titleCol = head.columns.indexOf('title');
    // Rows are at least ~100 bytes in every song table seen (the tagtraum-joined CSV: ~210): size for that.
    const rowsGuess = Math.ceil(statSync(input).size / 100);
    const values = new F64Column(rowsGuess * S),
      genre = new I32Column(rowsGuess),
      artist = new I32Column(rowsGuess),
      group = new I32Column(rowsGuess);
    const genres = new StringIds(),
      artists = new StringIds(),
      groupNames = new StringIds();
    const trackIds: string[] = [],
      titles: string[] = [];
    const errors = new Map<number, Error>();
    const seenIds = new Set<string>();
    dropReasons = new Map();
    truncatedCount = 0;
    truncatedExamples = [];
    rowsRead = 0;
    const drop = (reason: string) => {
      dropReasons.set(reason, (dropReasons.get(reason) ?? 0) + 1);
    };
    const k: KeptRows = {
      sources,
      values: values.data,
      rows: 0,
      genre: genre.data,
      genres: genres.names,
      trackIds,
      titles,
      artist: artist.data,
      artists: artists.names,
      group: group.data,
      groupNames: groupNames.names,
      errors,
    };
    kept = k;

    return (rec, row) => {
      rowsRead++;
      const w = recordWidth(rec, width);
      if (w !== width) {
        truncatedCount++;
        if (truncatedExamples.length < 10) truncatedExamples.push(row);
        return;
      }
      record = rec;
      line = row;
      done.fill(0);
      for (let j = 0; j < joined.length; j++) {
        const r = keyField[j] >= 0 ? joined[j].rowOf.get(cleanValue(rec.field(keyField[j]))) : undefined;
        jRow[j] = r === undefined ? -1 : r;
        if (r !== undefined) joinInfo[j].matched = ++matched[j];
      }
      const g = genreCell(rec).trim();
      if (g === '') {
        drop('no genre label');
        return;
      }
      for (const c of vitalCols) {
        if (Number.isNaN(get(c))) {
          drop(`missing ${c}`);
          return;
        }
      }
      for (const q of required) {
        if (lacks(`${q}_missing`)) {
          drop(/^(timbre|pitch)$/.test(q) ? `no ${q} summary (required)` : `missing ${q} (required)`);
          return;
        }
      }
      if (idCol >= 0) {
        const id = cleanValue(rec.field(idCol));
        if (id !== '' && seenIds.has(id)) {
          drop('duplicate track');
          return;
        }
        seenIds.add(id);
        trackIds.push(id);
      }
      const n = k.rows;
      for (let s = 0; s < S; s++) {
        let v: number;
        try {
          v = sourceValue(s);
        } catch (e) {
          if (!errors.has(n)) errors.set(n, e as Error);
          v = NaN;
        }
        values.push(v);
      }
      genre.push(genres.id(g));
      const a = artistCol >= 0 ? cleanValue(rec.field(artistCol)) : '';
      artist.push(artists.id(a));
      titles.push(titleCol >= 0 ? cleanValue(rec.field(titleCol)) : '');
      const aid = artistIdCol >= 0 ? cleanValue(rec.field(artistIdCol)) : '';
      group.push(groupNames.id(aid !== '' ? aid : a.normalize('NFKC').toLowerCase().trim()));
      k.rows = n + 1;
      k.values = values.data;
      k.genre = genre.data;
      k.artist = artist.data;
      k.group = group.data;
    };
  });
  if (kept === null) throw new Error(`preprocess: ${input}: empty file (no header)`);
  const k: KeptRows = kept;
  const dropped: Record<string, number> = {};
  if (truncatedCount > 0) dropped[`truncated row (wrong number of fields, expected ${head.header.length})`] = truncatedCount;
  for (const [r, c] of dropReasons) dropped[r] = c;

  // Rare classes.
  const counts = new Int32Array(k.genres.length);
  for (let i = 0; i < k.rows; i++) counts[k.genre[i]]++;
  const rare = k.genres.map((name, c) => ({ name, count: counts[c], action: rareClasses })).filter((r) => r.count < minClassCount);
  rare.sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
  const rareSet = new Set(rare.map((r) => r.name));
  const finalName = k.genres.map((g) => (rareSet.has(g) && rareClasses === 'merge' ? 'other' : g));
  const keepClass = k.genres.map((g) => !(rareSet.has(g) && rareClasses === 'drop'));
  let nFinal = 0;
  for (let i = 0; i < k.rows; i++) if (keepClass[k.genre[i]]) nFinal++;
  const order = new Int32Array(nFinal);
  for (let i = 0, o = 0; i < k.rows; i++) if (keepClass[k.genre[i]]) order[o++] = i;
  if (k.rows - nFinal > 0) dropped[`rare class (< ${minClassCount} rows)`] = k.rows - nFinal;
  if (nFinal === 0) throw new Error(`preprocess: ${input}: no usable row left (dropped: ${JSON.stringify(dropped)})`);
  const classNames = [...new Set(Array.from(order, (i) => finalName[k.genre[i]]))].sort();
  if (classNames.length < 2) {
    const rareNote =
      rare.length > 0
        ? `; rare classes ${rareClasses === 'drop' ? 'dropped' : 'merged'}: ${rare.map((r) => `${r.name} (${r.count})`).join(', ')} — lower minClassCount (--min-class-count) to keep them`
        : '';
    throw new Error(`preprocess: ${input}: only one class left (${classNames[0]}, ${nFinal} rows); need at least two${rareNote}`);
  }
  for (let o = 0; o < nFinal; o++) {
    const e = k.errors.get(order[o]);
    if (e !== undefined) throw e;
  }
  const classId = new Map(classNames.map((c, i) => [c, i] as const));
  const y = new Int32Array(nFinal);
  for (let o = 0; o < nFinal; o++) y[o] = classId.get(finalName[k.genre[order[o]]])!;

  // Imputed counts, and the indicator columns some row needs.
  const S = k.sources.length;
  const srcIndex = new Map(k.sources.map((c, i) => [c, i] as const));
  let base = 0;
  const get = (c: string): number => {
    const s = srcIndex.get(c);
    return s === undefined ? NaN : k.values[base + s];
  };
  const imputed: Record<string, number> = {};
  for (const [ind, ds] of byIndicator) {
    let m = 0;
    for (let o = 0; o < nFinal; o++) {
      base = order[o] * S;
      if (ds.some((d) => Number.isNaN(d.value(get)))) m++;
    }
    if (m > 0) imputed[what(ind)] = m;
  }
  const indicatorAfter = new Map<FeatureDef, string>();
  for (const [ind, ds] of byIndicator) if (imputed[what(ind)] !== undefined) indicatorAfter.set(ds[ds.length - 1], ind);
  const names: string[] = [];
  for (const d of defs) {
    names.push(d.name);
    const ind = indicatorAfter.get(d);
    if (ind !== undefined) names.push(ind);
  }

  // Split.
  const groups = Array.from(order, (i) => k.groupNames[k.group[i]]);
  if (split === 'artist' && groups.every((gr) => gr === '')) {
    throw new Error(
      `preprocess: ${input}: no artist column (artist_id or artist_name), so an artist-disjoint split is impossible; use split "random" knowingly`,
    );
  }
  const s = trainValidTestSplit(y, { classes: classNames.length, groups: split === 'artist' ? groups : null, seed, validFraction, testFraction });
  const splitCol = new Int8Array(nFinal);
  for (const i of s.valid) splitCol[i] = 1;
  for (const i of s.test) splitCol[i] = 2;
  const classCounts = classNames.map((name) => ({ name, count: 0 }));
  for (let o = 0; o < nFinal; o++) classCounts[y[o]].count++;
  const report: PreprocessReport = {
    input,
    format: head.format,
    labelSource,
    joins: joinInfo,
    rowsRead,
    truncatedRows: { count: truncatedCount, examples: truncatedExamples },
    dropped,
    imputed,
    rareClasses: rare,
    kept: nFinal,
    classes: classCounts,
    featureGroups: groupsSpec,
    features: names,
    keyEncoding,
    split: { kind: split, seed, train: s.train.length, valid: s.valid.length, test: s.test.length, artists: new Set(groups).size },
  };
  return { report, kept: k, defs, indicatorAfter, byIndicator, order, classNames, y, split: splitCol, groupsSpec, names, hasIdCol };
}

/** An encoder of output rows: `row(o, out)` fills `out` (F numbers) with output row `o`'s features, each needed indicator after its group. */
function rowEncoder(p: Prepared): (o: number, out: Float64Array) => void {
  const k = p.kept,
    S = k.sources.length;
  const srcIndex = new Map(k.sources.map((c, i) => [c, i] as const));
  let base = 0;
  const get = (c: string): number => {
    const s = srcIndex.get(c);
    return s === undefined ? NaN : k.values[base + s];
  };
  const steps = p.defs.map((d) => {
    const ind = p.indicatorAfter.get(d);
    return { d, group: ind === undefined ? null : p.byIndicator.get(ind)! };
  });
  return (o, out) => {
    base = p.order[o] * S;
    let f = 0;
    for (const { d, group } of steps) {
      out[f++] = d.value(get);
      if (group !== null) out[f++] = group.some((x) => Number.isNaN(x.value(get))) ? 1 : 0;
    }
  };
}

/** Output row `o`'s track id (or `row<N>` when the table has no ids). */
const trackIdOf = (p: Prepared, o: number): string => (p.hasIdCol ? p.kept.trackIds[p.order[o]] : `row${o + 1}`);

/**
 * Runs preprocessing: reads, labels, joins, drops (counting why), encodes, splits, and writes
 * `output` atomically when given. The table is read once, as a stream, into compact typed columns.
 *
 * ```ts
 * const { data, report } = await preprocess({
 *   input: '../shared/data/msd10k-tagtraum-cd1-joined/msd10k_tagtraum_cd1.csv',
 *   joins: ['../shared/data/msd10k-timbre-pitch-means-mbgenre/final_song_level.csv'],
 *   output: 'runs/preprocessed_data.csv',
 * });
 * ```
 */
export async function preprocess(options: PreprocessOptions): Promise<{ data: PreparedData; report: PreprocessReport }> {
  const p = await prepare(options);
  const k = p.kept,
    n = p.order.length,
    F = p.names.length;
  const x = new Float64Array(n * F);
  const encode = rowEncoder(p);
  const trackIds: string[] = new Array(n),
    artists: string[] = new Array(n),
    titles: string[] = new Array(n),
    groups: string[] = new Array(n);
  for (let o = 0; o < n; o++) {
    const i = p.order[o];
    encode(o, x.subarray(o * F, (o + 1) * F));
    trackIds[o] = trackIdOf(p, o);
    artists[o] = k.artists[k.artist[i]];
    titles[o] = k.titles[i];
    groups[o] = k.groupNames[k.group[i]];
  }
  const data: PreparedData = {
    featureNames: p.names,
    featureGroups: p.groupsSpec,
    classNames: p.classNames,
    rows: n,
    x,
    y: p.y,
    trackIds,
    artists,
    titles,
    groups,
    split: p.split,
  };
  if (options.output !== undefined) await writePrepared(options.output, data);
  return { data, report: p.report };
}

/**
 * `preprocess` for the command line: writes `output` (the same bytes `preprocess` writes) row by row from the
 * compact columns, without building `PreparedData`, and returns the report.
 *
 * ```ts
 * const report = await preprocessToFile({ input: 'SongCSV.csv', labels: 'labels.cls', output: 'preprocessed_data.csv' });
 * ```
 */
export async function preprocessToFile(options: PreprocessOptions & { output: string }): Promise<PreprocessReport> {
  const p = await prepare(options);
  const k = p.kept,
    n = p.order.length,
    F = p.names.length;
  const out = new CsvWriter(options.output, [...META, ...p.names]);
  const encode = rowEncoder(p);
  const xs = new Float64Array(F);
  const row: CsvCell[] = new Array(META.length + F);
  await writeAll([out], async () => {
    for (let o = 0; o < n; o++) {
      const i = p.order[o];
      encode(o, xs);
      row[0] = trackIdOf(p, o);
      row[1] = k.artists[k.artist[i]];
      row[2] = k.titles[i];
      row[3] = k.groupNames[k.group[i]];
      row[4] = SPLIT_NAMES[p.split[o]];
      row[5] = p.classNames[p.y[o]];
      for (let f = 0; f < F; f++) row[META.length + f] = xs[f];
      await out.write(row);
    }
  });
  return p.report;
}

const META = ['track_id', 'artist', 'title', 'group', 'split', 'genre'] as const;

/**
 * Writes prepared data as CSV, atomically: META columns, then one column per feature
 * (empty = missing). Numbers keep full precision.
 */
export async function writePrepared(path: string, data: PreparedData): Promise<void> {
  const F = data.featureNames.length;
  const out = new CsvWriter(path, [...META, ...data.featureNames]);
  await writeAll([out], async () => {
    for (let i = 0; i < data.rows; i++) {
      const row: CsvCell[] = [data.trackIds[i], data.artists[i], data.titles[i], data.groups[i], SPLIT_NAMES[data.split[i]], data.classNames[data.y[i]]];
      for (let f = 0; f < F; f++) row.push(data.x[i * F + f]);
      await out.write(row);
    }
  });
}

/**
 * Reads a preprocessed_data.csv written by `writePrepared`, streaming it: what it holds is the result's
 * arrays, never the file's rows of strings. The features go straight into one float64 array sized by the
 * file's line count (a row is at least one line). Errors name the file, row and column.
 *
 * ```ts
 * const data = await readPrepared('runs/preprocessed_data.csv');
 * ```
 */
export async function readPrepared(path: string, options: { classNames?: readonly string[] } = {}): Promise<PreparedData> {
  let header: string[] | null = null,
    featureNames: string[] = [],
    F = 0,
    n = 0;
  let x = new Float64Array(0);
  const y: number[] = [],
    split: number[] = [];
  const trackIds: string[] = [],
    artists: string[] = [],
    titles: string[] = [],
    groups: string[] = [];
  // Genres get ids in order of appearance, renumbered to sorted order at the end (unless the classes are given).
  const classId = new Map<string, number>((options.classNames ?? []).map((c, i) => [c, i] as const));
  // A preprocessed file is strict CSV (as `writePrepared` writes it): one pass of the package's parser, numbers
  // read from the bytes (`plainNumber`), text made only of the six leading fields and of cells that are not plain.
  for await (const rec of csvRecords(path, 'preprocessed data', { unreadable: 'cannot read the file' })) {
    if (header === null) {
      header = rec.toArray();
      continue;
    }
    if (n === 0) {
      for (let i = 0; i < META.length; i++) {
        if (header[i] !== META[i])
          throw new Error(`preprocessed data: ${path}: column ${i + 1} is "${header[i]}", expected "${META[i]}" (not a file written by preprocess)`);
      }
      featureNames = header.slice(META.length);
      F = featureNames.length;
      x = new Float64Array(Math.max(0, (await countLines(path, 'preprocessed data')) - 1) * F);
    }
    const i = n;
    if (rec.count !== header.length) throw new Error(`preprocessed data: ${path}: row ${i + 1} has ${rec.count} fields, expected ${header.length}`);
    trackIds.push(rec.field(0));
    artists.push(rec.field(1));
    titles.push(rec.field(2));
    groups.push(rec.field(3));
    const splitName = rec.field(4);
    const sp = SPLIT_NAMES.indexOf(splitName as SplitName);
    if (sp < 0) throw new Error(`preprocessed data: ${path}: row ${i + 1}: split "${splitName}" is not train/valid/test`);
    split.push(sp);
    const genre = rec.field(5);
    let c = classId.get(genre);
    if (c === undefined) {
      if (options.classNames)
        throw new Error(`preprocessed data: ${path}: row ${i + 1}: genre "${genre}" is not one of the model's classes (${options.classNames.join(', ')})`);
      c = classId.size;
      classId.set(genre, c);
    }
    y.push(c);
    const o = i * F;
    if (o + F > x.length) {
      const more = new Float64Array(Math.max(2 * x.length, o + F));
      more.set(x);
      x = more;
    } // rows ended by a lone \r
    for (let f = 0; f < F; f++) {
      let v = rec.plainNumber(META.length + f);
      if (Number.isNaN(v)) {
        const s = rec.field(META.length + f);
        v = s === '' ? NaN : Number(s);
        if (s !== '' && !(isDecimal(s) && Number.isFinite(v)))
          throw new Error(`preprocessed data: ${path}: row ${i + 1}, column "${featureNames[f]}": "${s}" is not a number`);
      }
      x[o + f] = v;
    }
    n++;
  }
  if (n === 0) throw new Error(`preprocessed data: ${path}: no data rows`);
  if (x.length !== n * F) x = x.slice(0, n * F); // blank lines or fields spanning lines
  let classNames: string[];
  const yy = Int32Array.from(y);
  if (options.classNames) classNames = [...options.classNames];
  else {
    classNames = [...classId.keys()].sort();
    const to = new Int32Array(classNames.length);
    classNames.forEach((name, k) => {
      to[classId.get(name)!] = k;
    });
    for (let i = 0; i < n; i++) yy[i] = to[yy[i]];
  }
  return {
    featureNames,
    featureGroups: featureGroupsOf(featureNames),
    classNames,
    rows: n,
    x,
    y: yy,
    trackIds,
    artists,
    titles,
    groups,
    split: Int8Array.from(split),
  };
}

/** Row indices of one split part. */
export function splitIndices(data: PreparedData, part: SplitName): Int32Array {
  const p = SPLIT_NAMES.indexOf(part);
  const out: number[] = [];
  for (let i = 0; i < data.rows; i++) if (data.split[i] === p) out.push(i);
  return Int32Array.from(out);
}
