// From tag sources to one genre per track: offline (lastfm_subset JSON, tagtraum .cls) or online
// (last.fm), plus the label file this package reads and writes ("track_id<TAB>genre", .cls format).
import { statSync } from 'node:fs';
import { writeFileAtomic } from '@timbre/nn';
import { type LastfmClient, LastfmError, PER_TRACK_ERRORS } from './lastfm.js';
import { readLastfmTags, readTagtraumCls, type TrackTags } from './offline.js';
import { tagsToGenre, type GenreVocabulary, type TagRule } from './tags.js';

/** How tags become a genre: the rule, the genre vocabulary (default {@link DEFAULT_VOCABULARY}) and a tag-count floor. */
export interface LabelRuleOptions {
  /** 'top-count' (default) or 'original' (the original project's rule). */
  rule?: TagRule;
  vocabulary?: GenreVocabulary;
  /** Minimum tag count for the top-count rule (default 0). */
  minCount?: number;
}

/** Per-reason counts of a labelling run. */
export interface LabelCounts {
  tracks: number;
  labelled: number;
  /** Tags found, none in the vocabulary. */
  noMatchingTag: number;
  /** last.fm does not know the track (error 6). */
  notFound: number;
  /** Lookups that failed (retries or time budget used up, answer too large); asked again on the next run. */
  failed: number;
}

/** A labelling run's output: genre by track id, per-reason counts, and the tracks that failed with why. */
export interface LabelResult {
  readonly labels: Map<string, string>;
  readonly counts: LabelCounts;
  readonly failures: readonly { trackId: string; reason: string }[];
}

/**
 * Genres for tracks whose tags are already at hand (lastfm_subset JSON).
 *
 * ```ts
 * labelFromTrackTags(readLastfmTags('lastfm_subset/'), { rule: 'original' }).labels.get('TRAAABD128F429CF47'); // "rock"
 * ```
 */
export function labelFromTrackTags(tracks: readonly TrackTags[], options: LabelRuleOptions = {}): LabelResult {
  const labels = new Map<string, string>();
  const counts: LabelCounts = { tracks: tracks.length, labelled: 0, noMatchingTag: 0, notFound: 0, failed: 0 };
  for (const t of tracks) {
    const g = tagsToGenre(t.tags, options);
    if (g === null) counts.noMatchingTag++;
    else {
      labels.set(t.trackId, g);
      counts.labelled++;
    }
  }
  return { labels, counts, failures: [] };
}

/** A track to look up on last.fm. */
export interface TrackRef {
  readonly trackId: string;
  readonly artist: string;
  readonly title: string;
}

/**
 * Looks every track up on last.fm (through the client's cache and rate limit) and applies the
 * rule. A wrong or suspended API key, another permanent error or an abort stops the run with a
 * `LastfmError` (answers so far stay in the client's cache); a track whose retries or time budget
 * run out, or whose answer is too large, is counted as failed and the run goes on.
 *
 * ```ts
 * const res = await labelFromLastfm(songs, new LastfmClient({ cacheFile: 'runs/lastfm.jsonl' }));
 * ```
 */
export async function labelFromLastfm(
  tracks: readonly TrackRef[],
  client: LastfmClient,
  options: LabelRuleOptions & { onProgress?: (done: number, total: number) => void } = {},
): Promise<LabelResult> {
  const labels = new Map<string, string>();
  const counts: LabelCounts = { tracks: tracks.length, labelled: 0, noMatchingTag: 0, notFound: 0, failed: 0 };
  const failures: { trackId: string; reason: string }[] = [];
  let done = 0;
  for (const t of tracks) {
    if (t.artist.trim() === '' || t.title.trim() === '') {
      counts.failed++;
      failures.push({ trackId: t.trackId, reason: 'missing artist or title' });
    } else {
      try {
        const r = await client.getTopTags(t.artist, t.title);
        if (r.status === 'not-found') counts.notFound++;
        else {
          const g = tagsToGenre(r.tags, options);
          if (g === null) counts.noMatchingTag++;
          else {
            labels.set(t.trackId, g);
            counts.labelled++;
          }
        }
      } catch (e) {
        // Retries or the time budget ran out, or the answer was too large: that track fails, the run
        // goes on. Anything else (wrong or suspended key, HTTP 4xx, an abort) stops the run.
        if (!(e instanceof LastfmError) || !PER_TRACK_ERRORS.has(e.code)) throw e;
        counts.failed++;
        failures.push({ trackId: t.trackId, reason: e.message });
      }
    }
    options.onProgress?.(++done, tracks.length);
  }
  return { labels, counts, failures };
}

/**
 * Reads labels from a file: a lastfm_subset `.json` file or directory (genre by `rule`), or a
 * tagtraum `.cls` / label file (`track_id<TAB>genre`, majority genre used).
 *
 * ```ts
 * const labels = await readLabels('../shared/data/tagtraum-cd1/msd_tagtraum_cd1.cls');
 * ```
 */
export async function readLabels(path: string, options: LabelRuleOptions = {}): Promise<LabelResult> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new Error(`labels: ${path}: no such file or directory`);
  }
  if (isDir || path.toLowerCase().endsWith('.json')) return labelFromTrackTags(readLastfmTags(path), options);
  const cls = await readTagtraumCls(path);
  const labels = new Map<string, string>();
  for (const [id, l] of cls) labels.set(id, l.genre);
  return { labels, counts: { tracks: cls.size, labelled: cls.size, noMatchingTag: 0, notFound: 0, failed: 0 }, failures: [] };
}

/**
 * Writes labels as `track_id<TAB>genre` lines (tagtraum .cls format), sorted by track id, atomically.
 *
 * ```ts
 * writeLabelFile('runs/labels.cls', result.labels);
 * ```
 */
export function writeLabelFile(path: string, labels: ReadonlyMap<string, string>, header?: string): void {
  const ids = [...labels.keys()].sort();
  const lines: string[] = [];
  if (header) for (const h of header.split('\n')) lines.push(`# ${h}`);
  for (const id of ids) {
    const g = labels.get(id)!;
    if (/[\t\n]/.test(id) || /[\t\n]/.test(g))
      throw new RangeError(`writeLabelFile: ${path}: track ${JSON.stringify(id)} or genre ${JSON.stringify(g)} contains a tab or newline`);
    lines.push(`${id}\t${g}`);
  }
  writeFileAtomic(path, lines.join('\n') + '\n');
}
