// SongCSV (or any accepted song table) + labels (+ joined feature tables) → preprocessed_data.csv:
// one row per usable song with its genre, artist group, split and encoded (unscaled) features.
// Scaling and imputation are fitted later on the training split only (see ml/scaler.ts).
import { CsvWriter, writeAll, type CsvCell } from '../io/csv.js';
import { countLines, streamCsv } from '../io/csv-stream.js';
import { trainValidTestSplit } from '../ml/split.js';
import { readLabels, type LabelRuleOptions } from '../labels/label.js';
import { featureDefs, featureGroupsOf, indicatorOf, parseFeatureSpec, type FeatureDef, type FeatureGroup, type KeyEncoding } from './features.js';
import { isDecimal, readSongTable, tableNumber, type SongTable } from './table.js';

/** Split parts, as stored in the `split` column. */
export const SPLIT_NAMES = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

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


/** Adds the columns of `join` to `table` (new columns, and gaps in existing ones), keyed by track or song id. */
function joinTable(table: { columns: string[]; rows: string[][] }, join: SongTable): { key: string; matched: number } {
  const key = table.columns.includes('track_id') && join.columns.includes('track_id') ? 'track_id'
    : table.columns.includes('song_id') && join.columns.includes('song_id') ? 'song_id' : null;
  if (key === null) throw new Error(`preprocess: cannot join ${join.path}: neither track_id nor song_id is in both tables`);
  const jKey = join.columns.indexOf(key), tKey = table.columns.indexOf(key);
  const byKey = new Map<string, string[]>();
  for (const r of join.rows) byKey.set(r[jKey], r);
  const useful = join.columns.map((c, i) => ({ c, i })).filter(({ c }) => !IDENTITY.has(c) && !c.includes('__') && (/^(timbre|pitch)_(mean|var)_\d+$/.test(c) || /^[a-z_]+$/.test(c)));
  // Only numeric-looking columns are worth joining (skip gender, country, mbid, genre_principal, …).
  const numeric = useful.filter(({ i }) => join.rows.some((r) => r[i] !== '') && join.rows.every((r) => r[i] === '' || isDecimal(r[i])));
  const target = numeric.map(({ c }) => {
    let t = table.columns.indexOf(c);
    if (t < 0) { table.columns.push(c); t = table.columns.length - 1; for (const r of table.rows) r.push(''); }
    return t;
  });
  let matched = 0;
  for (const r of table.rows) {
    const j = byKey.get(r[tKey]);
    if (!j) continue;
    matched++;
    numeric.forEach(({ i }, k) => { if (r[target[k]] === '') r[target[k]] = j[i]; });
  }
  return { key, matched };
}

/**
 * Runs preprocessing: reads, labels, joins, drops (counting why), encodes, splits, and writes
 * `output` atomically when given.
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
  const {
    input, labels, joins = [], features = 'auto', keyEncoding = 'onehot', minClassCount = 10,
    rareClasses = 'drop', split = 'artist', validFraction = 0.15, testFraction = 0.15, seed = 42,
  } = options;
  if (!Number.isInteger(minClassCount) || minClassCount < 1) throw new RangeError(`preprocess: minClassCount must be a positive integer, got ${minClassCount}`);
  if (split !== 'artist' && split !== 'random') throw new RangeError(`preprocess: split must be "artist" or "random", got "${String(split)}"`);
  if (rareClasses !== 'drop' && rareClasses !== 'merge') throw new RangeError(`preprocess: rareClasses must be "drop" or "merge", got "${String(rareClasses)}"`);
  const table = await readSongTable(input);
  const cols = [...table.columns];
  const rows = table.rows.map((r) => [...r]);
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => { dropped[reason] = (dropped[reason] ?? 0) + 1; };
  if (table.truncated.length > 0) dropped[`truncated row (wrong number of fields, expected ${table.header.length})`] = table.truncated.length;

  // Labels.
  let labelSource: string;
  let genreOf: (row: string[]) => string;
  if (labels !== undefined) {
    const lab = await readLabels(labels, options.labelRule);
    const key = cols.includes('track_id') ? 'track_id' : null;
    if (key === null) throw new Error(`preprocess: ${input}: has no track_id column, so labels from ${labels} (keyed by track id) cannot be joined`);
    const k = cols.indexOf(key);
    genreOf = (r) => lab.labels.get(r[k]) ?? '';
    labelSource = labels;
  } else {
    const g = cols.indexOf('genre');
    if (g < 0) throw new Error(`preprocess: ${input}: no genre column and no label file: pass labels (a .cls label file or last.fm JSON)`);
    genreOf = table.format === 'msd-genre' ? (r) => MSD_GENRE_CODES[r[g]] ?? r[g] : (r) => r[g];
    labelSource = `${input} (genre column)`;
  }

  const joinInfo: PreprocessReport['joins'] = [];
  for (const j of joins) {
    const jt = await readSongTable(j);
    const t = { columns: cols, rows };
    const info = joinTable(t, jt);
    joinInfo.push({ path: j, ...info });
  }

  const groupsSpec = parseFeatureSpec(features, cols);
  const defs: FeatureDef[] = featureDefs(groupsSpec, cols, { keyEncoding });
  const colIndex = new Map(cols.map((c, i) => [c, i] as const));
  const vitalCols = [...new Set(defs.flatMap((d) => d.needs))];
  // Imputable features share an indicator per audio group, or have their own (`year_missing`).
  const imputable = defs.filter((d) => d.imputable);
  const byIndicator = new Map<string, FeatureDef[]>();
  for (const d of imputable) byIndicator.set(indicatorOf(d), [...(byIndicator.get(indicatorOf(d)) ?? []), d]);
  const what = (indicator: string) => indicator.slice(0, -'_missing'.length);
  const required = new Set(options.require ?? []);
  for (const r of required) {
    if (!byIndicator.has(`${r}_missing`)) {
      throw new RangeError(`preprocess: --require ${r}: not an imputable group or field of these features (imputable: ${[...byIndicator.keys()].map(what).join(', ') || 'none'})`);
    }
  }
  const lacks = (g: (c: string) => number, indicator: string) => byIndicator.get(indicator)!.some((d) => Number.isNaN(d.value(g)));
  const idCol = colIndex.get('track_id') ?? colIndex.get('song_id');
  const artistIdCol = colIndex.get('artist_id'), artistCol = colIndex.get('artist_name'), titleCol = colIndex.get('title');

  // A feature column's cell as a number ('' = NaN); anything that is not a number is an error naming the row.
  const get = (r: string[], line: number) => (c: string): number => {
    const i = colIndex.get(c);
    return i === undefined ? NaN : tableNumber(r[i], input, line, c);
  };
  interface Kept { row: string[]; line: number; genre: string }
  const kept: Kept[] = [];
  const seenIds = new Set<string>();
  for (let ri = 0; ri < rows.length; ri++) {
    const r = rows[ri], line = table.rowNumbers[ri];
    const genre = genreOf(r).trim();
    if (genre === '') { drop('no genre label'); continue; }
    let missing: string | null = null;
    const g = get(r, line);
    for (const c of vitalCols) {
      if (Number.isNaN(g(c))) { missing = c; break; }
    }
    if (missing !== null) { drop(`missing ${missing}`); continue; }
    const unmet = [...required].find((q) => lacks(g, `${q}_missing`));
    if (unmet !== undefined) { drop(/^(timbre|pitch)$/.test(unmet) ? `no ${unmet} summary (required)` : `missing ${unmet} (required)`); continue; }
    if (idCol !== undefined) {
      const id = r[idCol];
      if (id !== '' && seenIds.has(id)) { drop('duplicate track'); continue; }
      seenIds.add(id);
    }
    kept.push({ row: r, line, genre });
  }

  // Rare classes.
  const counts = new Map<string, number>();
  for (const k of kept) counts.set(k.genre, (counts.get(k.genre) ?? 0) + 1);
  const rare = [...counts].filter(([, n]) => n < minClassCount).map(([name, count]) => ({ name, count, action: rareClasses }));
  rare.sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
  const rareSet = new Set(rare.map((r) => r.name));
  let final = kept;
  if (rareSet.size > 0) {
    if (rareClasses === 'drop') {
      final = kept.filter((k) => !rareSet.has(k.genre));
      const n = kept.length - final.length;
      if (n > 0) dropped[`rare class (< ${minClassCount} rows)`] = n;
    } else {
      for (const k of kept) if (rareSet.has(k.genre)) k.genre = 'other';
    }
  }
  if (final.length === 0) throw new Error(`preprocess: ${input}: no usable row left (dropped: ${JSON.stringify(dropped)})`);
  const classNames = [...new Set(final.map((k) => k.genre))].sort();
  if (classNames.length < 2) {
    const rareNote = rare.length > 0 ? `; rare classes ${rareClasses === 'drop' ? 'dropped' : 'merged'}: ${rare.map((r) => `${r.name} (${r.count})`).join(', ')} — lower minClassCount (--min-class-count) to keep them` : '';
    throw new Error(`preprocess: ${input}: only one class left (${classNames[0]}, ${final.length} rows); need at least two${rareNote}`);
  }
  const classId = new Map(classNames.map((c, i) => [c, i] as const));

  // Encode: every feature, and after the last feature of an indicator, the indicator when some row needs it.
  const imputed: Record<string, number> = {};
  for (const ind of byIndicator.keys()) {
    const n = final.reduce((a, k) => a + (lacks(get(k.row, k.line), ind) ? 1 : 0), 0);
    if (n > 0) imputed[what(ind)] = n;
  }
  const indicatorAfter = new Map<FeatureDef, string>();
  for (const [ind, ds] of byIndicator) if (imputed[what(ind)] !== undefined) indicatorAfter.set(ds[ds.length - 1], ind);
  const names: string[] = [];
  for (const d of defs) {
    names.push(d.name);
    const ind = indicatorAfter.get(d);
    if (ind !== undefined) names.push(ind);
  }
  const n = final.length, F = names.length;
  const x = new Float64Array(n * F), y = new Int32Array(n);
  const trackIds: string[] = [], artists: string[] = [], titles: string[] = [], groups: string[] = [];
  for (let i = 0; i < n; i++) {
    const { row, line, genre } = final[i];
    const g = get(row, line);
    let f = 0;
    for (const d of defs) {
      x[i * F + f++] = d.value(g);
      const ind = indicatorAfter.get(d);
      if (ind !== undefined) x[i * F + f++] = lacks(g, ind) ? 1 : 0;
    }
    y[i] = classId.get(genre)!;
    trackIds.push(idCol !== undefined ? row[idCol] : `row${i + 1}`);
    const artist = artistCol !== undefined ? row[artistCol] : '';
    artists.push(artist);
    titles.push(titleCol !== undefined ? row[titleCol] : '');
    const aid = artistIdCol !== undefined ? row[artistIdCol] : '';
    groups.push(aid !== '' ? aid : artist.normalize('NFKC').toLowerCase().trim());
  }
  if (split === 'artist' && groups.every((gr) => gr === '')) {
    throw new Error(`preprocess: ${input}: no artist column (artist_id or artist_name), so an artist-disjoint split is impossible; use split "random" knowingly`);
  }
  const s = trainValidTestSplit(y, { classes: classNames.length, groups: split === 'artist' ? groups : null, seed, validFraction, testFraction });
  const splitCol = new Int8Array(n);
  for (const i of s.valid) splitCol[i] = 1;
  for (const i of s.test) splitCol[i] = 2;

  const data: PreparedData = {
    featureNames: names, featureGroups: groupsSpec, classNames, rows: n, x, y, trackIds, artists, titles, groups, split: splitCol,
  };
  const classCounts = classNames.map((name, c) => ({ name, count: y.reduce((a, v) => a + (v === c ? 1 : 0), 0) }));
  const report: PreprocessReport = {
    input, format: table.format, labelSource, joins: joinInfo,
    rowsRead: table.rows.length + table.truncated.length,
    truncatedRows: { count: table.truncated.length, examples: table.truncated.slice(0, 10).map((t) => t.row) },
    dropped, imputed, rareClasses: rare, kept: n, classes: classCounts, featureGroups: groupsSpec, features: names, keyEncoding,
    split: { kind: split, seed, train: s.train.length, valid: s.valid.length, test: s.test.length, artists: new Set(groups).size },
  };
  if (options.output !== undefined) await writePrepared(options.output, data);
  return { data, report };
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
  let header: string[] | null = null, featureNames: string[] = [], F = 0, n = 0;
  let x = new Float64Array(0);
  const y: number[] = [], split: number[] = [];
  const trackIds: string[] = [], artists: string[] = [], titles: string[] = [], groups: string[] = [];
  // Genres get ids in order of appearance, renumbered to sorted order at the end (unless the classes are given).
  const classId = new Map<string, number>((options.classNames ?? []).map((c, i) => [c, i] as const));
  for await (const r of streamCsv(path, 'preprocessed data')) {
    if (header === null) { header = r; continue; }
    if (n === 0) {
      for (let i = 0; i < META.length; i++) {
        if (header[i] !== META[i]) throw new Error(`preprocessed data: ${path}: column ${i + 1} is "${header[i]}", expected "${META[i]}" (not a file written by preprocess)`);
      }
      featureNames = header.slice(META.length);
      F = featureNames.length;
      x = new Float64Array(Math.max(0, (await countLines(path, 'preprocessed data')) - 1) * F);
    }
    const i = n;
    if (r.length !== header.length) throw new Error(`preprocessed data: ${path}: row ${i + 1} has ${r.length} fields, expected ${header.length}`);
    trackIds.push(r[0]); artists.push(r[1]); titles.push(r[2]); groups.push(r[3]);
    const sp = SPLIT_NAMES.indexOf(r[4] as SplitName);
    if (sp < 0) throw new Error(`preprocessed data: ${path}: row ${i + 1}: split "${r[4]}" is not train/valid/test`);
    split.push(sp);
    let c = classId.get(r[5]);
    if (c === undefined) {
      if (options.classNames) throw new Error(`preprocessed data: ${path}: row ${i + 1}: genre "${r[5]}" is not one of the model's classes (${options.classNames.join(', ')})`);
      c = classId.size;
      classId.set(r[5], c);
    }
    y.push(c);
    const o = i * F;
    if (o + F > x.length) { const more = new Float64Array(Math.max(2 * x.length, o + F)); more.set(x); x = more; } // rows ended by a lone \r
    for (let f = 0; f < F; f++) {
      const s = r[META.length + f];
      const v = s === '' ? NaN : Number(s);
      if (s !== '' && !(isDecimal(s) && Number.isFinite(v))) throw new Error(`preprocessed data: ${path}: row ${i + 1}, column "${featureNames[f]}": "${s}" is not a number`);
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
    classNames.forEach((name, k) => { to[classId.get(name)!] = k; });
    for (let i = 0; i < n; i++) yy[i] = to[yy[i]];
  }
  return { featureNames, featureGroups: featureGroupsOf(featureNames), classNames, rows: n, x, y: yy, trackIds, artists, titles, groups, split: Int8Array.from(split) };
}

/** Row indices of one split part. */
export function splitIndices(data: PreparedData, part: SplitName): Int32Array {
  const p = SPLIT_NAMES.indexOf(part);
  const out: number[] = [];
  for (let i = 0; i < data.rows; i++) if (data.split[i] === p) out.push(i);
  return Int32Array.from(out);
}
