// A last.fm API client for track.getTopTags: rate-limited, retried with exponential backoff on
// 429 / 5xx / timeouts / last.fm's transient error codes, and cached on disk (JSON lines) so a rerun
// never asks twice. The API key never leaves the request URL: not logged, not cached, not in errors.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Tag } from './tags.js';

/** Result of one lookup: tags (possibly empty) or "not found" (last.fm error 6). Both are cached. */
export type TopTagsResult =
  | { readonly status: 'ok'; readonly tags: readonly Tag[] }
  | { readonly status: 'not-found'; readonly message: string };

/** Progress/diagnostic events (never contain the API key or the request URL). */
export type LastfmEvent =
  | { readonly type: 'request'; readonly artist: string; readonly title: string; readonly attempt: number }
  | { readonly type: 'retry'; readonly artist: string; readonly title: string; readonly attempt: number; readonly reason: string; readonly delayMs: number }
  | { readonly type: 'cache-hit'; readonly artist: string; readonly title: string };

export interface LastfmClientOptions {
  /** API key; default `process.env.LASTFM_API_KEY`. */
  apiKey?: string;
  /** Endpoint; default https://ws.audioscrobbler.com/2.0/ (tests point it at a local server). */
  baseUrl?: string;
  /** JSON-lines cache file; null disables caching. Default null. */
  cacheFile?: string | null;
  /** Minimum milliseconds between request starts (default 250: last.fm asks for ≤ 5 requests/s). */
  minIntervalMs?: number;
  /** Retries after the first attempt (default 5). */
  maxRetries?: number;
  /** First backoff delay in ms, doubled each retry (default 1000), capped at maxBackoffMs (default 60000). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout in ms (default 15000). */
  timeoutMs?: number;
  /** Ask last.fm to correct misspelt artist/track names (default true). */
  autocorrect?: boolean;
  /** Called on requests, retries and cache hits. */
  onEvent?: (e: LastfmEvent) => void;
}

/** A failed lookup that will not succeed by retrying (bad key, exhausted retries, …). */
export class LastfmError extends Error {
  override name = 'LastfmError';
  readonly code: number | null;
  constructor(message: string, code: number | null = null) {
    super(message);
    this.code = code;
  }
}

// last.fm error codes (https://www.last.fm/api/errorcodes): which ones are worth a retry.
const RETRY_CODES = new Set([8, 11, 16, 29]); // operation failed, service offline, temporarily unavailable, rate limit
const NOT_FOUND_CODES = new Set([6]); // invalid parameters: last.fm's "Track not found"

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Cache key: case- and space-insensitive artist + title. */
function cacheKey(artist: string, title: string): string {
  const n = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return `${n(artist)}\u0000${n(title)}`;
}

class Transient extends Error {}

/**
 * last.fm `track.getTopTags` client.
 *
 * ```ts
 * const lf = new LastfmClient({ cacheFile: 'runs/lastfm-cache.jsonl' }); // key from LASTFM_API_KEY
 * const r = await lf.getTopTags('The Box Tops', 'Soul Deep');
 * if (r.status === 'ok') console.log(tagsToGenre(r.tags));
 * ```
 */
export class LastfmClient {
  readonly baseUrl: string;
  readonly cacheFile: string | null;
  /** Requests actually sent (attempts, including retries). */
  requests = 0;
  /** Lookups answered from the cache. */
  cacheHits = 0;
  #apiKey: string;
  #opts: Required<Omit<LastfmClientOptions, 'apiKey' | 'baseUrl' | 'cacheFile' | 'onEvent'>>;
  #onEvent: ((e: LastfmEvent) => void) | undefined;
  #cache: Map<string, TopTagsResult> | null = null;
  #nextSlot = 0; // earliest time (ms, performance clock) the next request may start
  #queue: Promise<void> = Promise.resolve();

  constructor(options: LastfmClientOptions = {}) {
    const key = options.apiKey ?? process.env.LASTFM_API_KEY ?? '';
    if (key.trim() === '') {
      throw new LastfmError('lastfm: no API key: set LASTFM_API_KEY or pass --lastfm-key (get one at https://www.last.fm/api/account/create)');
    }
    this.#apiKey = key.trim();
    this.baseUrl = options.baseUrl ?? 'https://ws.audioscrobbler.com/2.0/';
    this.cacheFile = options.cacheFile ?? null;
    this.#onEvent = options.onEvent;
    this.#opts = {
      minIntervalMs: options.minIntervalMs ?? 250,
      maxRetries: options.maxRetries ?? 5,
      backoffMs: options.backoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 60000,
      timeoutMs: options.timeoutMs ?? 15000,
      autocorrect: options.autocorrect ?? true,
    };
    for (const [k, v] of Object.entries(this.#opts)) {
      if (typeof v === 'number' && !(v >= 0)) throw new RangeError(`lastfm: option ${k} must be >= 0, got ${v}`);
    }
  }

  /** Removes the API key from any text (belt and braces for messages built from errors). */
  #redact(s: string): string {
    return this.#apiKey.length > 0 ? s.split(this.#apiKey).join('***') : s;
  }

  #loadCache(): Map<string, TopTagsResult> {
    if (this.#cache) return this.#cache;
    const cache = new Map<string, TopTagsResult>();
    if (this.cacheFile !== null && existsSync(this.cacheFile)) {
      const lines = readFileSync(this.cacheFile, 'utf8').split('\n');
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          const e = JSON.parse(line) as { artist: string; title: string; status: string; tags?: [string, number][]; message?: string };
          if (e.status === 'ok' && Array.isArray(e.tags)) cache.set(cacheKey(e.artist, e.title), { status: 'ok', tags: e.tags.map(([name, count]) => ({ name, count })) });
          else if (e.status === 'not-found') cache.set(cacheKey(e.artist, e.title), { status: 'not-found', message: e.message ?? '' });
        } catch {
          // A line cut short by an interrupted run: that lookup is simply asked again.
        }
      }
    }
    this.#cache = cache;
    return cache;
  }

  #store(artist: string, title: string, r: TopTagsResult): void {
    this.#loadCache().set(cacheKey(artist, title), r);
    if (this.cacheFile === null) return;
    mkdirSync(dirname(this.cacheFile), { recursive: true });
    const line = r.status === 'ok'
      ? { artist, title, status: 'ok', tags: r.tags.map((t) => [t.name, t.count]) }
      : { artist, title, status: 'not-found', message: r.message };
    appendFileSync(this.cacheFile, JSON.stringify(line) + '\n'); // one line per lookup: a crash loses at most one
  }

  /** The cached answer for (artist, title), if any, without any network request. */
  cached(artist: string, title: string): TopTagsResult | undefined {
    return this.#loadCache().get(cacheKey(artist, title));
  }

  /**
   * The top tags of a track (last.fm order: highest count first). Cached; rate-limited; retried.
   * Throws `LastfmError` for a bad API key, other permanent API errors, or when retries run out.
   */
  async getTopTags(artist: string, title: string): Promise<TopTagsResult> {
    if (typeof artist !== 'string' || typeof title !== 'string' || artist.trim() === '' || title.trim() === '') {
      throw new TypeError(`lastfm: artist and title must be non-empty strings, got ${JSON.stringify(artist)} / ${JSON.stringify(title)}`);
    }
    const hit = this.cached(artist, title);
    if (hit) {
      this.cacheHits++;
      this.#onEvent?.({ type: 'cache-hit', artist, title });
      return hit;
    }
    const { maxRetries, backoffMs, maxBackoffMs } = this.#opts;
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      try {
        const r = await this.#attempt(artist, title, attempt);
        this.#store(artist, title, r);
        return r;
      } catch (e) {
        if (!(e instanceof Transient)) throw e;
        reason = e.message;
      }
      if (attempt >= maxRetries) {
        throw new LastfmError(`lastfm: track.getTopTags(${JSON.stringify(artist)}, ${JSON.stringify(title)}) failed after ${attempt + 1} attempts: ${reason}`);
      }
      const delayMs = Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
      this.#onEvent?.({ type: 'retry', artist, title, attempt: attempt + 1, reason, delayMs });
      await sleep(delayMs);
    }
  }

  /** Waits for this request's rate-limit slot (requests start at least minIntervalMs apart). */
  async #rateLimit(): Promise<void> {
    const turn = this.#queue.then(async () => {
      const now = performance.now();
      const wait = this.#nextSlot - now;
      if (wait > 0) await sleep(wait);
      this.#nextSlot = Math.max(now, this.#nextSlot) + this.#opts.minIntervalMs;
    });
    this.#queue = turn;
    await turn;
  }

  async #attempt(artist: string, title: string, attempt: number): Promise<TopTagsResult> {
    await this.#rateLimit();
    const url = new URL(this.baseUrl);
    url.searchParams.set('method', 'track.gettoptags');
    url.searchParams.set('artist', artist);
    url.searchParams.set('track', title);
    url.searchParams.set('autocorrect', this.#opts.autocorrect ? '1' : '0');
    url.searchParams.set('api_key', this.#apiKey);
    url.searchParams.set('format', 'json');
    this.requests++;
    this.#onEvent?.({ type: 'request', artist, title, attempt });
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.#opts.timeoutMs);
    let status: number, text: string;
    try {
      const res = await fetch(url, { signal: ctrl.signal, headers: { 'user-agent': 'timbre-genre/0.1', accept: 'application/json' } });
      status = res.status;
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'AbortError') throw new Transient(`timed out after ${this.#opts.timeoutMs} ms`);
      throw new Transient(this.#redact(`network error: ${err.cause?.code ?? err.cause?.message ?? err.message}`));
    } finally {
      clearTimeout(timer);
    }
    let body: unknown = undefined;
    try { body = JSON.parse(text); } catch { /* handled below */ }
    const apiError = body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'number'
      ? body as { error: number; message?: string } : null;
    if (apiError) {
      const msg = this.#redact(String(apiError.message ?? ''));
      if (NOT_FOUND_CODES.has(apiError.error)) return { status: 'not-found', message: msg };
      if (RETRY_CODES.has(apiError.error)) throw new Transient(`last.fm error ${apiError.error} (${msg})`);
      throw new LastfmError(`lastfm: track.getTopTags(${JSON.stringify(artist)}, ${JSON.stringify(title)}): last.fm error ${apiError.error}: ${msg}`, apiError.error);
    }
    if (status === 429 || status >= 500) throw new Transient(`HTTP ${status}`);
    if (status !== 200) throw new LastfmError(`lastfm: track.getTopTags(${JSON.stringify(artist)}, ${JSON.stringify(title)}): HTTP ${status}`);
    if (body === undefined) throw new Transient(`response is not JSON (${JSON.stringify(this.#redact(text.slice(0, 40)))}…)`);
    const tags = parseTopTags(body);
    if (tags === null) throw new Transient('response JSON has no toptags object');
    return { status: 'ok', tags };
  }
}

/** Extracts tags from a getTopTags JSON body; `tag` may be a list, a single object or absent. Null if malformed. */
export function parseTopTags(body: unknown): Tag[] | null {
  if (body === null || typeof body !== 'object') return null;
  const top = (body as { toptags?: unknown }).toptags;
  if (top === null || typeof top !== 'object') return null;
  const raw = (top as { tag?: unknown }).tag;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const tags: Tag[] = [];
  for (const t of list) {
    if (t === null || typeof t !== 'object') return null;
    const { name, count } = t as { name?: unknown; count?: unknown };
    if (typeof name !== 'string') return null;
    const c = typeof count === 'number' ? count : Number(count ?? 0);
    tags.push({ name, count: Number.isFinite(c) ? c : 0 });
  }
  return tags;
}
