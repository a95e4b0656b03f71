// The extraction manifest: which inputs the parts of a work directory come from. One JSON header line
// (version, input, shard, batch size, file count), then JSON lines of up to 1,000 input files each:
// [[rel, size, mtimeMs], …]. The text is canonical, so checking a resume is one string comparison and
// a million-file manifest is two strings of ~55 MB, not a million objects; only the line that differs
// is parsed, to name the first changed file. `manifest.json` (versions 1 and 2, one object) is still read.
import type { Shard } from './files.js';

/** What the manifest records about the run. */
export interface ManifestHeader {
  readonly input: string;
  readonly shard: Shard | null;
  readonly batchSize: number;
}

/** One input file as the manifest names it: relative path, size in bytes, modification time (ms). */
export interface ManifestFile {
  readonly rel: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export const MANIFEST_NAME = 'manifest.jsonl';
/** The single-object manifest of earlier versions (version 1 listed paths only). */
export const OLD_MANIFEST_NAME = 'manifest.json';

const headerLine = (h: ManifestHeader, files: number): string => JSON.stringify({ version: 3, input: h.input, shard: h.shard, batchSize: h.batchSize, files });
// Files per line: one JSON.stringify per line of 1,000 files builds the text at the speed of one
// JSON.stringify of the whole list, where a template string per file takes 2-3x as long for 1M files.
const FILES_PER_LINE = 1000;
const fileLine = (files: readonly ManifestFile[], start: number): string => {
  const end = Math.min(files.length, start + FILES_PER_LINE);
  const rows = new Array<[string, number, number]>(end - start);
  for (let i = start; i < end; i++) rows[i - start] = [files[i].rel, files[i].size, files[i].mtimeMs];
  return JSON.stringify(rows);
};

/** The manifest text for `files` (in batch order). */
export function manifestText(header: ManifestHeader, files: readonly ManifestFile[]): string {
  const lines = [headerLine(header, files.length)];
  for (let i = 0; i < files.length; i += FILES_PER_LINE) lines.push(fileLine(files, i));
  return lines.join('\n') + '\n';
}

interface OldManifest extends ManifestHeader {
  readonly version: 1 | 2;
  readonly files: readonly (string | ManifestFile)[];
}

/** Throws a SyntaxError if `text` is not JSON of a manifest header; returns it. */
function parseHeader(text: string): ManifestHeader & { version: number; files: unknown } {
  const h = JSON.parse(text) as ManifestHeader & { version: number; files: unknown };
  if (typeof h !== 'object' || h === null || typeof h.input !== 'string' || typeof h.batchSize !== 'number') {
    throw new SyntaxError('not a manifest header');
  }
  return h;
}

function headerMismatch(old: ManifestHeader, now: ManifestHeader): string | null {
  if (old.input !== now.input) return `input ${old.input}`;
  if (JSON.stringify(old.shard) !== JSON.stringify(now.shard)) return 'another shard';
  if (old.batchSize !== now.batchSize) return `batch size ${old.batchSize}`;
  return null;
}

const changed = (a: ManifestFile, b: ManifestFile): string =>
  `input file ${b.rel}, which has changed since (${a.size} bytes then, ${b.size} now; modified since)`;
const differentList = (then: number, now: number, first: string): string =>
  `a different file list (${then} files then, ${now} now; first difference: ${first})`;

/**
 * Why the parts recorded by manifest text `old` cannot be reused for `now` (whose text is `nowText`,
 * from {@link manifestText}), or null if they can. Throws a SyntaxError if `old` is not a manifest.
 */
export function manifestMismatch(old: string, header: ManifestHeader, files: readonly ManifestFile[], nowText: string): string | null {
  if (old === nowText) return null;
  const oldEnd = old.indexOf('\n');
  const h = parseHeader(oldEnd < 0 ? old : old.slice(0, oldEnd));
  if (h.version !== 3) throw new SyntaxError(`manifest version ${h.version} in a ${MANIFEST_NAME}`);
  const why = headerMismatch(h, header);
  if (why !== null) return why;
  // Same settings, different files: find the first line that differs, then the first entry in it.
  let a = oldEnd + 1,
    b = nowText.indexOf('\n') + 1;
  const then = Number(h.files),
    now = files.length;
  for (let start = 0; ; start += FILES_PER_LINE) {
    const aEnd = old.indexOf('\n', a),
      bEnd = nowText.indexOf('\n', b);
    if (aEnd < 0 && start >= now) return null; // the same files; the header only spelled differently
    if (aEnd < 0) return differentList(then, now, `${files[start].rel} is new`);
    const lineA = old.slice(a, aEnd);
    if (start >= now || lineA !== nowText.slice(b, bEnd)) {
      const rows = JSON.parse(lineA) as [string, number, number][];
      for (let j = 0; j < rows.length; j++) {
        const f = files[start + j];
        const [rel, size, mtimeMs] = rows[j];
        if (f === undefined || rel < f.rel) return differentList(then, now, `${rel} is gone`);
        if (rel > f.rel) return differentList(then, now, `${f.rel} is new`);
        if (size !== f.size || mtimeMs !== f.mtimeMs) return changed({ rel, size, mtimeMs }, f);
      }
      const next = files[start + rows.length];
      if (next !== undefined) return differentList(then, now, `${next.rel} is new`);
      throw new SyntaxError('manifest lines differ but name the same files'); // not written by manifestText
    }
    a = aEnd + 1;
    b = bEnd + 1;
  }
}

/** As {@link manifestMismatch}, for the single-object `manifest.json` of versions 1 and 2. */
export function oldManifestMismatch(text: string, header: ManifestHeader, files: readonly ManifestFile[]): string | null {
  const old = parseHeader(text) as OldManifest;
  if ((old.version !== 1 && old.version !== 2) || !Array.isArray(old.files)) throw new SyntaxError('not a version 1 or 2 manifest');
  const why = headerMismatch(old, header);
  if (why !== null) return why;
  const rel = (f: string | ManifestFile): string => (typeof f === 'string' ? f : f.rel);
  const n = Math.min(old.files.length, files.length);
  for (let i = 0; i < n; i++) {
    if (rel(old.files[i]) !== files[i].rel) {
      return differentList(old.files.length, files.length, rel(old.files[i]) < files[i].rel ? `${rel(old.files[i])} is gone` : `${files[i].rel} is new`);
    }
  }
  if (old.files.length !== files.length) {
    return differentList(old.files.length, files.length, n < files.length ? `${files[n].rel} is new` : `${rel(old.files[n])} is gone`);
  }
  for (let i = 0; i < n; i++) {
    const a = old.files[i];
    if (typeof a === 'string') continue; // a version 1 manifest knows paths only
    if (a.size !== files[i].size || a.mtimeMs !== files[i].mtimeMs) return changed(a, files[i]);
  }
  return null;
}
