// Reads the song tables this pipeline accepts (SongCSV, the extended SongCSV with Python bytes reprs,
// the tagtraum-joined CSV, the MSD genre dataset text, feature tables such as final_song_level.csv)
// with the package's CSV reader, and maps their column names onto one canonical snake_case vocabulary.
import { CsvParseError, csvNeedsTolerance, csvRecords, decodeBytesRepr, hasUnescapedQuote, type CsvRecord } from '../io/csv.js';

/** A table with canonical column names; every value a string ('' = missing). */
export interface SongTable {
  readonly path: string;
  /** Detected layout: 'songcsv' | 'msd-genre' | 'generic'. */
  readonly format: string;
  /** Canonical column names (unrecognised columns keep their normalised original name). */
  readonly columns: readonly string[];
  /** Original header, same order as `columns`. */
  readonly header: readonly string[];
  readonly rows: string[][];
  /** The 1-based data-row number (header = row 0) of each of `rows`, for messages. */
  readonly rowNumbers: readonly number[];
  /** 1-based data-row numbers (header = row 0) of rows with the wrong number of fields. */
  readonly truncated: readonly { row: number; fields: number }[];
  /** True when the file was not valid CSV and was read with the tolerant line tokenizer. */
  readonly tolerant: boolean;
}

// Canonical name ← accepted spellings (compared lower-case with '_' and spaces removed).
const ALIASES: Record<string, readonly string[]> = {
  track_id: ['trackid'],
  song_id: ['songid'],
  artist_id: ['artistid'],
  artist_name: ['artistname', 'artist'],
  title: ['title', 'songtitle'],
  release: ['release', 'albumname'],
  genre: ['genre'],
  duration: ['duration'],
  key: ['key', 'keysignature'],
  key_confidence: ['keyconfidence', 'keysignatureconfidence'],
  mode: ['mode'],
  mode_confidence: ['modeconfidence'],
  tempo: ['tempo'],
  time_signature: ['timesignature'],
  time_signature_confidence: ['timesignatureconfidence'],
  loudness: ['loudness'],
  year: ['year'],
  danceability: ['danceability'],
  energy: ['energy'],
  end_of_fade_in: ['endoffadein'],
  start_of_fade_out: ['startoffadeout'],
  artist_familiarity: ['artistfamiliarity'],
  artist_hotttnesss: ['artisthotttnesss'],
  song_hotttnesss: ['songhotttnesss'],
  artist_latitude: ['artistlatitude'],
  artist_longitude: ['artistlongitude'],
};
const LOOKUP = new Map<string, string>();
for (const [canon, names] of Object.entries(ALIASES)) for (const n of names) LOOKUP.set(n, canon);

// Audio summary columns in the spellings found in the wild: avg_timbre1, timbre_avg1, timbre_0_mean,
// timbre_mean_0, var_timbre3, pitch_5_mean, pitches_var_11 … → timbre_mean_<k>, pitch_var_<k> (0-based).
const AUDIO = /^(?:(avg|mean|var)(timbre|pitch|pitches)(\d+)|(timbre|pitch|pitches)(avg|mean|var)(\d+)|(timbre|pitch|pitches)(\d+)(avg|mean|var))$/;

const squash = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Canonical names for a header (audio indices rebased to 0 per family). */
export function canonicalColumns(header: readonly string[]): string[] {
  const out: string[] = new Array(header.length);
  const audio: { i: number; family: string; k: number }[] = [];
  const taken = new Set<string>();
  header.forEach((h, i) => {
    const s = squash(h);
    const m = AUDIO.exec(s);
    if (m) {
      const stat = m[1] ?? m[5] ?? m[9],
        kind = m[2] ?? m[4] ?? m[7],
        k = Number(m[3] ?? m[6] ?? m[8]);
      audio.push({ i, family: `${kind.startsWith('pitch') ? 'pitch' : 'timbre'}_${stat === 'var' ? 'var' : 'mean'}`, k });
      return;
    }
    let c = LOOKUP.get(s) ?? h.trim().toLowerCase().replace(/\s+/g, '_');
    if (taken.has(c)) c = `${c}__${i}`; // a duplicate (the extended CSV has KeySignature and key): keep the first
    taken.add(c);
    out[i] = c;
  });
  const base = new Map<string, number>();
  for (const a of audio) base.set(a.family, Math.min(base.get(a.family) ?? Infinity, a.k));
  for (const a of audio) out[a.i] = `${a.family}_${a.k - base.get(a.family)!}`;
  return out;
}

/** Strips the Python bytes repr (b'…' or b"…") some extractors wrote, and maps "nan" to ''. */
export function cleanValue(v: string): string {
  let s = v.trim();
  const c0 = s.charCodeAt(0);
  if (c0 === 98) {
    // 'b': maybe a bytes repr
    const m = /^b(['"])([\s\S]*)\1$/.exec(s);
    if (m) s = decodeBytesRepr(m[2]);
  } else if (c0 !== 110 && c0 !== 78) return s; // only cells starting with n or N can be a missing-value word
  return /^(nan|NaN|NAN|null|None)$/.test(s) ? '' : s;
}

/** What a song table's header says: canonical columns and the detected layout. */
export interface SongTableHead {
  readonly path: string;
  readonly format: string;
  readonly columns: readonly string[];
  readonly header: readonly string[];
  readonly tolerant: boolean;
}

/** Checks a header row and maps it onto canonical columns (errors name the file). */
export function songTableHead(path: string, raw: readonly string[], tolerant: boolean): SongTableHead {
  let header = raw.map((h) => h.trim());
  // The original project's header ended in a comma: an all-empty, nameless last column. Drop it.
  while (header.length > 0 && header[header.length - 1] === '') header = header.slice(0, -1);
  if (header.length < 2) throw new Error(`preprocess: ${path}: the header has ${header.length} column(s); expected a CSV with a header row`);
  const first = new Map<string, number>();
  header.forEach((h, i) => {
    const j = first.get(h);
    if (j !== undefined) {
      throw new Error(`preprocess: ${path}: column "${h}" appears twice in the header (columns ${j + 1} and ${i + 1}); rename or remove one`);
    }
    first.set(h, i);
  });
  const columns = canonicalColumns(header);
  const has = (c: string) => columns.includes(c);
  const format =
    has('genre') && has('timbre_mean_0') && has('timbre_var_0') && header[0].toLowerCase() === 'genre'
      ? 'msd-genre'
      : header.some((h) => h === 'SongID' || h === 'KeySignature')
        ? 'songcsv'
        : 'generic';
  return { path, format, columns, header, tolerant };
}

/**
 * The fields a data record has once blank fields beyond the header's width are dropped; a row is well formed
 * when this equals the header's width (otherwise it is a truncated row).
 */
export function recordWidth(rec: CsvRecord, width: number): number {
  let n = rec.count;
  while (n > width && rec.isBlank(n - 1)) n--;
  return n;
}

/**
 * One data record as a song table keeps it: every field cleaned (`cleanValue`), blank fields beyond the
 * header's width dropped; a record that still has the wrong number of fields comes back as its field count.
 */
export function songTableRow(rec: CsvRecord, width: number): string[] | number {
  const n = recordWidth(rec, width);
  if (n !== width) return n;
  const row: string[] = new Array(width);
  for (let i = 0; i < width; i++) row[i] = cleanValue(rec.field(i));
  return row;
}

/**
 * Streams a song table: `start` gets the header and returns what takes the data records (each with its 1-based
 * data-row number; header = row 0). Files with Python bytes reprs are read tolerantly from the start; a file that
 * turns out to hold unescaped quotes (`"a "b""`) is read again, tolerantly, with a fresh `start`.
 *
 * ```ts
 * await scanSongTable('SongCSV.csv', (head) => (rec, row) => { rec.field(0); });
 * ```
 */
export async function scanSongTable(path: string, start: (head: SongTableHead) => Promise<(rec: CsvRecord, row: number) => void>): Promise<SongTableHead> {
  const pass = async (tolerant: boolean): Promise<SongTableHead> => {
    let head: SongTableHead | null = null;
    let onRow: ((rec: CsvRecord, row: number) => void) | null = null;
    let row = 0;
    for await (const rec of csvRecords(path, 'preprocess', { tolerant })) {
      if (onRow === null) {
        head = songTableHead(path, rec.toArray(), tolerant);
        onRow = await start(head);
        continue;
      }
      onRow(rec, ++row);
    }
    if (head === null) throw new Error(`preprocess: ${path}: empty file (no header)`);
    return head;
  };
  const tolerant = await csvNeedsTolerance(path, 'preprocess');
  try {
    return await pass(tolerant);
  } catch (e) {
    if (tolerant || !(e instanceof CsvParseError) || !e.message.startsWith(`preprocess: ${path}: `) || !(await hasUnescapedQuote(path))) throw e;
    return pass(true);
  }
}

/**
 * Reads a CSV table (the package's CSV reader, or its tolerant tokenizer). Tolerates the extended SongCSV's invalid quoting
 * ("b"I Didn't Mean To""), strips bytes reprs, and records rows with the wrong number of
 * fields as `truncated` instead of failing (callers decide; preprocessing drops and reports them).
 *
 * ```ts
 * const t = await readSongTable('../shared/data/msd10k-tagtraum-cd1-joined/msd10k_tagtraum_cd1.csv');
 * t.columns; // ['track_id', 'song_id', 'artist_name', …]
 * ```
 */
export async function readSongTable(path: string): Promise<SongTable> {
  let rows: string[][] = [],
    rowNumbers: number[] = [],
    truncated: { row: number; fields: number }[] = [];
  const head = await scanSongTable(path, async (h) => {
    rows = [];
    rowNumbers = [];
    truncated = [];
    const width = h.header.length;
    return (rec, r) => {
      const row = songTableRow(rec, width);
      if (typeof row === 'number') {
        truncated.push({ row: r, fields: row });
        return;
      }
      rows.push(row);
      rowNumbers.push(r);
    };
  });
  return { path, format: head.format, columns: head.columns, header: head.header, rows, rowNumbers, truncated, tolerant: head.tolerant };
}

// A number as a CSV user writes it: optional sign, digits with an optional decimal point, optional
// exponent. Not hexadecimal (0x1A), binary or octal literals, not Infinity, not digit separators.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;

/** Columns whose values cannot be negative (times, counts, confidences, categorical codes). */
export const NON_NEGATIVE: ReadonlySet<string> = new Set([
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

/** True if `s` is a plain decimal number (the only spelling `tableNumber` accepts). */
export function isDecimal(s: string): boolean {
  return DECIMAL.test(s.trim());
}

/**
 * The number in a cleaned cell ('' = missing = NaN), parsed strictly; anything else is an error naming
 * the file, the data row and the column: text ("abc" is not a number), hexadecimal, Infinity, values
 * outside float32's range (features are float32), and negative values in columns that cannot be negative.
 *
 * ```ts
 * tableNumber('218.93', 'SongCSV.csv', 12, 'duration'); // 218.93
 * ```
 */
export function tableNumber(cell: string, path: string, row: number, column: string): number {
  if (cell === '') return NaN;
  if (!isDecimalText(cell)) {
    throw new Error(
      `${where(path, row, column)}: "${cell.length > 40 ? cell.slice(0, 40) + '…' : cell}" is not a number (write decimal numbers; leave the cell empty if the value is missing)`,
    );
  }
  const v = Number(cell);
  if (!(Math.abs(v) <= FLOAT32_MAX)) throw new Error(`${where(path, row, column)}: ${cell} is outside the range features can hold (float32, |x| <= 3.4e38)`);
  if (v < 0 && NON_NEGATIVE.has(column)) throw new Error(`${where(path, row, column)}: ${cell} is negative; ${column} cannot be`);
  return v;
}

const where = (path: string, row: number, column: string): string => `preprocess: ${path}: data row ${row}, column "${column}"`;

/** `DECIMAL.test(s)` by a scan of character codes (the row pass calls it for every number it reads). */
function isDecimalText(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) c = s.charCodeAt(++i); // + or -
  let digits = 0;
  while (c >= 48 && c <= 57) {
    digits++;
    c = s.charCodeAt(++i);
  }
  if (c === 46) {
    // '.'
    c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57) {
      digits++;
      c = s.charCodeAt(++i);
    }
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69) {
    // e or E
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    let e = 0;
    while (c >= 48 && c <= 57) {
      e++;
      c = s.charCodeAt(++i);
    }
    if (e === 0) return false;
  }
  return i === n;
}
