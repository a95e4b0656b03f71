// Offline label sources: last.fm tag JSON in the MSD lastfm_subset format (one track per file,
// or an array, or a directory tree of them) and tagtraum .cls files (TRACK_ID<TAB>genre[<TAB>minority]).
// Also the plain label file this package writes: the same TAB format, "track_id<TAB>genre".
import { readFileSync, readdirSync, statSync, createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Tag } from './tags.js';

/** A track's last.fm tags (lastfm_subset format, counts parsed to numbers). */
export interface TrackTags {
  readonly trackId: string;
  readonly artist: string;
  readonly title: string;
  readonly tags: readonly Tag[];
}

/** One tagtraum label: the majority genre and, when given, a minority genre. */
export interface TagtraumLabel {
  readonly genre: string;
  readonly minority?: string;
}

function parseTrackTags(v: unknown, where: string): TrackTags {
  if (v === null || typeof v !== 'object') throw new TypeError(`${where}: expected an object with track_id and tags`);
  const o = v as Record<string, unknown>;
  if (typeof o.track_id !== 'string' || o.track_id === '') throw new TypeError(`${where}: missing string field "track_id"`);
  const rawTags = o.tags ?? [];
  if (!Array.isArray(rawTags)) throw new TypeError(`${where}: field "tags" must be a list of [tag, count] pairs`);
  const tags: Tag[] = [];
  rawTags.forEach((t, k) => {
    if (!Array.isArray(t) || t.length < 2 || typeof t[0] !== 'string') {
      throw new TypeError(`${where}: tags[${k}] must be a [tag, count] pair, got ${JSON.stringify(t)}`);
    }
    const count = typeof t[1] === 'number' ? t[1] : Number(t[1]);
    if (!Number.isFinite(count)) throw new TypeError(`${where}: tags[${k}] count ${JSON.stringify(t[1])} is not a number`);
    tags.push({ name: t[0], count });
  });
  return {
    trackId: o.track_id,
    artist: typeof o.artist === 'string' ? o.artist : '',
    title: typeof o.title === 'string' ? o.title : '',
    tags,
  };
}

function listJsonFiles(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listJsonFiles(p, out);
    else if (e.isFile() && e.name.toLowerCase().endsWith('.json')) out.push(p);
  }
}

/**
 * Reads last.fm tags in the lastfm_subset format from a `.json` file (one track object or an array
 * of them) or a directory tree of such files (sorted by path). Tag counts may be strings ("100").
 *
 * ```ts
 * const tracks = readLastfmTags('../shared/data/lastfm-subset-sample/lastfm_tags_sample.json');
 * ```
 */
export function readLastfmTags(path: string): TrackTags[] {
  const files: string[] = [];
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new Error(`labels: ${path}: no such file or directory`);
  }
  if (st.isDirectory()) listJsonFiles(path, files);
  else files.push(path);
  const out: TrackTags[] = [];
  for (const f of files) {
    let v: unknown;
    try {
      v = JSON.parse(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new SyntaxError(`labels: ${f}: not valid JSON (${(e as Error).message})`);
    }
    if (Array.isArray(v)) v.forEach((item, i) => out.push(parseTrackTags(item, `labels: ${f}: [${i}]`)));
    else out.push(parseTrackTags(v, `labels: ${f}`));
  }
  return out;
}

/**
 * Reads a tagtraum `.cls` file (or this package's label file): `TRACK_ID<TAB>genre[<TAB>minority]`
 * per line; blank lines and lines starting with '#' are skipped. A repeated track id or a line
 * without a genre is an error naming the file and line.
 *
 * ```ts
 * const labels = await readTagtraumCls('../shared/data/tagtraum-cd1/msd_tagtraum_cd1.cls');
 * labels.get('TRAAAAW128F429D538'); // { genre: 'Rap' }
 * ```
 */
export async function readTagtraumCls(path: string): Promise<Map<string, TagtraumLabel>> {
  try {
    statSync(path);
  } catch {
    throw new Error(`labels: ${path}: no such file`);
  }
  const map = new Map<string, TagtraumLabel>();
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '' || text.startsWith('#')) continue;
    const parts = text.split('\t');
    const id = parts[0].trim(),
      genre = (parts[1] ?? '').trim();
    if (id === '' || genre === '') throw new Error(`labels: ${path}:${line}: expected "TRACK_ID<TAB>genre", got ${JSON.stringify(text.slice(0, 80))}`);
    if (map.has(id)) throw new Error(`labels: ${path}:${line}: track ${id} is listed twice`);
    const minority = (parts[2] ?? '').trim();
    map.set(id, minority === '' ? { genre } : { genre, minority });
  }
  return map;
}
