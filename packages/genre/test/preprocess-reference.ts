// The in-memory reference for the streamed preprocess: the earlier whole-table implementation, on fast-csv's parser
// and formatter. It reads every file into rows of strings, joins on string rows, encodes a row at a time and
// writes with fast-csv's `format`. The streamed path must write the same bytes and report the same things.
import { createWriteStream, readFileSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { format, parseString } from 'fast-csv';
import { decodeBytesRepr, splitTolerantLine } from '../src/io/csv.js';
import { trainValidTestSplit } from '../src/ml/split.js';
import { readLabels } from '../src/labels/label.js';
import { featureDefs, indicatorOf, parseFeatureSpec, type FeatureDef } from '../src/preprocess/features.js';
import { canonicalColumns } from '../src/preprocess/table.js';
import { SPLIT_NAMES, type PreparedData, type PreprocessOptions, type PreprocessReport } from '../src/preprocess/preprocess.js';

interface SongTable {
  path: string;
  format: string;
  columns: string[];
  header: string[];
  rows: string[][];
  rowNumbers: number[];
  truncated: { row: number; fields: number }[];
}

/** fast-csv over the whole text, with the tolerant line tokenizer as the fallback. */
async function readCsvReference(path: string): Promise<string[][]> {
  let text = readFileSync(path, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const tolerant = (): string[][] =>
    text
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .map(splitTolerantLine);
  if (/(^|,)"b'/m.test(text.slice(0, 20000))) return tolerant();
  const rows: string[][] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      parseString(text, { headers: false, ignoreEmpty: true })
        .on('error', (e: Error) => reject(new Error(`preprocess: ${path}: CSV parse error: ${e.message}`)))
        .on('data', (r: string[]) => {
          rows.push(r);
        })
        .on('end', () => resolve());
    });
  } catch (e) {
    if (!/(^|,)"[^"\n]*"[^,\n]/m.test(text)) throw e;
    return tolerant();
  }
  return rows;
}

async function readSongTableReference(path: string): Promise<SongTable> {
  const raw = await readCsvReference(path);
  if (raw.length === 0) throw new Error(`preprocess: ${path}: empty file (no header)`);
  let header = raw[0].map((h) => h.trim());
  while (header.length > 0 && header[header.length - 1] === '') header = header.slice(0, -1);
  const columns = canonicalColumns(header);
  const rows: string[][] = [],
    rowNumbers: number[] = [],
    truncated: { row: number; fields: number }[] = [];
  for (let r = 1; r < raw.length; r++) {
    let row = raw[r];
    while (row.length > header.length && row[row.length - 1].trim() === '') row = row.slice(0, -1);
    if (row.length !== header.length) {
      truncated.push({ row: r, fields: row.length });
      continue;
    }
    rows.push(row.map(cleanValue));
    rowNumbers.push(r);
  }
  const has = (c: string) => columns.includes(c);
  const fmt =
    has('genre') && has('timbre_mean_0') && has('timbre_var_0') && header[0].toLowerCase() === 'genre'
      ? 'msd-genre'
      : header.some((h) => h === 'SongID' || h === 'KeySignature')
        ? 'songcsv'
        : 'generic';
  return { path, format: fmt, columns, header, rows, rowNumbers, truncated };
}

// The earlier cell cleaning and strict number reading, by regular expressions.
function cleanValue(v: string): string {
  let s = v.trim();
  const m = /^b(['"])([\s\S]*)\1$/.exec(s);
  if (m) s = decodeBytesRepr(m[2]);
  return /^(nan|NaN|NAN|null|None)$/.test(s) ? '' : s;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;

/** Columns whose values cannot be negative (times, counts, confidences, categorical codes). */
const NON_NEGATIVE = new Set([
  'duration',
  'tempo',
  'end_of_fade_in',
  'start_of_fade_out',
  'year',
  'key',
  'mode',
  'time_signature',
  'key_confidence',
  'mode_confidence',
  'time_signature_confidence',
  'danceability',
  'energy',
]);

const isDecimal = (s: string): boolean => DECIMAL.test(s.trim());

function tableNumber(cell: string, path: string, row: number, column: string): number {
  if (cell === '') return NaN;
  const where = `preprocess: ${path}: data row ${row}, column "${column}"`;
  if (!DECIMAL.test(cell))
    throw new Error(
      `${where}: "${cell.length > 40 ? cell.slice(0, 40) + '…' : cell}" is not a number (write decimal numbers; leave the cell empty if the value is missing)`,
    );
  const v = Number(cell);
  if (!(Math.abs(v) <= FLOAT32_MAX)) throw new Error(`${where}: ${cell} is outside the range features can hold (float32, |x| <= 3.4e38)`);
  if (v < 0 && NON_NEGATIVE.has(column)) throw new Error(`${where}: ${cell} is negative; ${column} cannot be`);
  return v;
}

const MSD_GENRE_CODES: Record<string, string> = { '0': 'dance and electronica', '1': 'jazz and blues' };
const IDENTITY = new Set(['track_id', 'song_id', 'artist_id', 'artist_name', 'title', 'release', 'genre']);

function joinTable(table: { columns: string[]; rows: string[][] }, join: SongTable): { key: string; matched: number } {
  const key =
    table.columns.includes('track_id') && join.columns.includes('track_id')
      ? 'track_id'
      : table.columns.includes('song_id') && join.columns.includes('song_id')
        ? 'song_id'
        : null;
  if (key === null) throw new Error(`preprocess: cannot join ${join.path}: neither track_id nor song_id is in both tables`);
  const jKey = join.columns.indexOf(key),
    tKey = table.columns.indexOf(key);
  const byKey = new Map<string, string[]>();
  for (const r of join.rows) byKey.set(r[jKey], r);
  const useful = join.columns
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => !IDENTITY.has(c) && !c.includes('__') && (/^(timbre|pitch)_(mean|var)_\d+$/.test(c) || /^[a-z_]+$/.test(c)));
  // Only numeric-looking columns are worth joining (skip gender, country, mbid, genre_principal, …).
  const numeric = useful.filter(({ i }) => join.rows.some((r) => r[i] !== '') && join.rows.every((r) => r[i] === '' || isDecimal(r[i])));
  const target = numeric.map(({ c }) => {
    let t = table.columns.indexOf(c);
    if (t < 0) {
      table.columns.push(c);
      t = table.columns.length - 1;
      for (const r of table.rows) r.push('');
    }
    return t;
  });
  let matched = 0;
  for (const r of table.rows) {
    const j = byKey.get(r[tKey]);
    if (!j) continue;
    matched++;
    numeric.forEach(({ i }, k) => {
      if (r[target[k]] === '') r[target[k]] = j[i];
    });
  }
  return { key, matched };
}

/** The earlier `preprocess`, whole table in memory; writes `options.output` with fast-csv when given. */
export async function preprocessReference(options: PreprocessOptions): Promise<{ data: PreparedData; report: PreprocessReport }> {
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
  const table = await readSongTableReference(input);
  const cols = [...table.columns];
  const rows = table.rows.map((r) => [...r]);
  const dropped: Record<string, number> = {};
  const drop = (reason: string) => {
    dropped[reason] = (dropped[reason] ?? 0) + 1;
  };
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
    const jt = await readSongTableReference(j);
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
      throw new RangeError(
        `preprocess: --require ${r}: not an imputable group or field of these features (imputable: ${[...byIndicator.keys()].map(what).join(', ') || 'none'})`,
      );
    }
  }
  const lacks = (g: (c: string) => number, indicator: string) => byIndicator.get(indicator)!.some((d) => Number.isNaN(d.value(g)));
  const idCol = colIndex.get('track_id') ?? colIndex.get('song_id');
  const artistIdCol = colIndex.get('artist_id'),
    artistCol = colIndex.get('artist_name'),
    titleCol = colIndex.get('title');

  // A feature column's cell as a number ('' = NaN); anything that is not a number is an error naming the row.
  const get =
    (r: string[], line: number) =>
    (c: string): number => {
      const i = colIndex.get(c);
      return i === undefined ? NaN : tableNumber(r[i], input, line, c);
    };
  interface Kept {
    row: string[];
    line: number;
    genre: string;
  }
  const kept: Kept[] = [];
  const seenIds = new Set<string>();
  for (let ri = 0; ri < rows.length; ri++) {
    const r = rows[ri],
      line = table.rowNumbers[ri];
    const genre = genreOf(r).trim();
    if (genre === '') {
      drop('no genre label');
      continue;
    }
    let missing: string | null = null;
    const g = get(r, line);
    for (const c of vitalCols) {
      if (Number.isNaN(g(c))) {
        missing = c;
        break;
      }
    }
    if (missing !== null) {
      drop(`missing ${missing}`);
      continue;
    }
    const unmet = [...required].find((q) => lacks(g, `${q}_missing`));
    if (unmet !== undefined) {
      drop(/^(timbre|pitch)$/.test(unmet) ? `no ${unmet} summary (required)` : `missing ${unmet} (required)`);
      continue;
    }
    if (idCol !== undefined) {
      const id = r[idCol];
      if (id !== '' && seenIds.has(id)) {
        drop('duplicate track');
        continue;
      }
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
    const rareNote =
      rare.length > 0
        ? `; rare classes ${rareClasses === 'drop' ? 'dropped' : 'merged'}: ${rare.map((r) => `${r.name} (${r.count})`).join(', ')} — lower minClassCount (--min-class-count) to keep them`
        : '';
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
  const n = final.length,
    F = names.length;
  const x = new Float64Array(n * F),
    y = new Int32Array(n);
  const trackIds: string[] = [],
    artists: string[] = [],
    titles: string[] = [],
    groups: string[] = [];
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
    throw new Error(
      `preprocess: ${input}: no artist column (artist_id or artist_name), so an artist-disjoint split is impossible; use split "random" knowingly`,
    );
  }
  const s = trainValidTestSplit(y, { classes: classNames.length, groups: split === 'artist' ? groups : null, seed, validFraction, testFraction });
  const splitCol = new Int8Array(n);
  for (const i of s.valid) splitCol[i] = 1;
  for (const i of s.test) splitCol[i] = 2;

  const data: PreparedData = {
    featureNames: names,
    featureGroups: groupsSpec,
    classNames,
    rows: n,
    x,
    y,
    trackIds,
    artists,
    titles,
    groups,
    split: splitCol,
  };
  const classCounts = classNames.map((name, c) => ({ name, count: y.reduce((a, v) => a + (v === c ? 1 : 0), 0) }));
  const report: PreprocessReport = {
    input,
    format: table.format,
    labelSource,
    joins: joinInfo,
    rowsRead: table.rows.length + table.truncated.length,
    truncatedRows: { count: table.truncated.length, examples: table.truncated.slice(0, 10).map((t) => t.row) },
    dropped,
    imputed,
    rareClasses: rare,
    kept: n,
    classes: classCounts,
    featureGroups: groupsSpec,
    features: names,
    keyEncoding,
    split: { kind: split, seed, train: s.train.length, valid: s.valid.length, test: s.test.length, artists: new Set(groups).size },
  };
  if (options.output !== undefined) await writePreparedReference(options.output, data);
  return { data, report };
}

const META = ['track_id', 'artist', 'title', 'group', 'split', 'genre'] as const;

/** The earlier `writePrepared`: fast-csv's formatter, row by row. */
async function writePreparedReference(path: string, data: PreparedData): Promise<void> {
  const F = data.featureNames.length;
  const csv = format({ headers: false, includeEndRowDelimiter: true });
  const file = createWriteStream(path);
  csv.pipe(file);
  const cell = (v: string | number): string => (typeof v === 'number' ? (Number.isNaN(v) ? '' : String(v)) : v);
  csv.write([...META, ...data.featureNames]);
  for (let i = 0; i < data.rows; i++) {
    const row: (string | number)[] = [
      data.trackIds[i],
      data.artists[i],
      data.titles[i],
      data.groups[i],
      SPLIT_NAMES[data.split[i]],
      data.classNames[data.y[i]],
    ];
    for (let f = 0; f < F; f++) row.push(data.x[i * F + f]);
    csv.write(row.map(cell));
  }
  csv.end();
  await finished(file);
}
