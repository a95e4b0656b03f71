// A last.fm API client for track.getTopTags: rate-limited, retried with exponential backoff on
// 429 / 5xx / timeouts / last.fm's transient error codes within a time budget per track, responses
// capped in size, abortable, and cached on disk (JSON lines) so a rerun never asks twice. The API key
// never leaves the request URL: every message, event and cache line is redacted before it is cut or written.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Tag } from './tags.js';

/** Result of one lookup: tags (possibly empty) or "not found" (last.fm error 6). Both are cached. */
export type TopTagsResult = { readonly status: 'ok'; readonly tags: readonly Tag[] } | { readonly status: 'not-found'; readonly message: string };

/** Progress/diagnostic events (never contain the API key or the request URL). */
export type LastfmEvent =
  | { readonly type: 'request'; readonly artist: string; readonly title: string; readonly attempt: number }
  | { readonly type: 'retry'; readonly artist: string; readonly title: string; readonly attempt: number; readonly reason: string; readonly delayMs: number }
  | { readonly type: 'cache-hit'; readonly artist: string; readonly title: string };

/** Time as the client sees it; tests pass a fake one so that nothing waits for real. */
export interface LastfmClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms`; rejects as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A signal that aborts after `ms` (a request's timeout). */
  timeout(ms: number): AbortSignal;
}

const systemClock: LastfmClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => delay(Math.ceil(ms), undefined, signal === undefined ? {} : { signal }),
  timeout: (ms) => AbortSignal.timeout(Math.ceil(ms)),
};

/** Options of {@link LastfmClient}: credentials, endpoint, cache, rate limit, retries and limits. */
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
  /** Per-request timeout in ms, body included (default 15000). */
  timeoutMs?: number;
  /** Total time for one track, all attempts, waits and backoff included (default 60000). */
  trackBudgetMs?: number;
  /** Largest response body accepted, in bytes after decompression (default 1 MiB); a larger one is not retried. */
  maxResponseBytes?: number;
  /** Ask last.fm to correct misspelt artist/track names (default true). */
  autocorrect?: boolean;
  /** Aborting it ends any lookup at once with a `LastfmError` of code `'aborted'`. */
  signal?: AbortSignal;
  /** Clock for rate limiting, backoff, timeouts and the budget (default: the system's). */
  clock?: LastfmClock;
  /** Called on requests, retries and cache hits. */
  onEvent?: (e: LastfmEvent) => void;
}

/** Why a lookup failed for good. */
export type LastfmErrorCode =
  | 'no-key' // no API key given
  | 'invalid-key' // last.fm error 10
  | 'suspended-key' // last.fm error 26
  | 'api-error' // another permanent last.fm error
  | 'http-error' // an HTTP status that retrying will not change (4xx other than 429)
  | 'retries-exhausted' // every attempt failed
  | 'budget-exhausted' // the track's time budget ran out
  | 'response-too-large' // the body passed maxResponseBytes
  | 'aborted'; // the caller's signal aborted

/**
 * A failed lookup that will not succeed by retrying. `code` says why; `apiCode` is last.fm's error
 * number when there was one. The message says what to do and never contains the API key.
 */
export class LastfmError extends Error {
  override name = 'LastfmError';
  readonly code: LastfmErrorCode;
  readonly apiCode: number | null;
  constructor(message: string, code: LastfmErrorCode, apiCode: number | null = null) {
    super(message);
    this.code = code;
    this.apiCode = apiCode;
  }
}

/** Codes for which one track's lookup failed; the other tracks can still be asked. */
export const PER_TRACK_ERRORS: ReadonlySet<LastfmErrorCode> = new Set(['retries-exhausted', 'budget-exhausted', 'response-too-large']);

// last.fm error codes (https://www.last.fm/api/errorcodes): which ones are worth a retry.
const RETRY_CODES = new Set([8, 11, 16, 29]); // operation failed, service offline, temporarily unavailable, rate limit
const NOT_FOUND_CODES = new Set([6]); // invalid parameters: last.fm's "Track not found"
const KEY_HELP = 'get a key at https://www.last.fm/api/account/create';

/** Cache key: case- and space-insensitive artist + title. */
function cacheKey(artist: string, title: string): string {
  const n = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return `${n(artist)}\u0000${n(title)}`;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toPrecision(3))} s`;

/** An attempt that failed in a way worth retrying. */
class Transient extends Error {}

/** Checks that `v` is a number in [lo, hi] (an integer if asked); `name` is what the user typed. */
function checkRange(name: string, v: unknown, lo: number, hi: number, unit: string, integer = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
    throw new RangeError(`${name} must be ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi}${unit}, got ${String(v)}`);
  }
}

/** The label command's flags, in the user's units. */
export interface LastfmFlags {
  /** Requests per second. */
  rate?: number;
  /** Per-request timeout in seconds. */
  timeout?: number;
  /** Retries after the first attempt. */
  retries?: number;
  /** Total seconds per track. */
  trackBudget?: number;
}

/**
 * Checks `--rate`, `--timeout`, `--retries` and `--track-budget` and turns them into client options;
 * a bad value throws a `RangeError` naming the flag.
 *
 * ```ts
 * new LastfmClient({ cacheFile, ...lastfmFlagOptions({ rate: 4, timeout: 10, retries: 2, trackBudget: 30 }) });
 * ```
 */
export function lastfmFlagOptions(flags: LastfmFlags): Pick<LastfmClientOptions, 'minIntervalMs' | 'timeoutMs' | 'maxRetries' | 'trackBudgetMs'> {
  const out: Pick<LastfmClientOptions, 'minIntervalMs' | 'timeoutMs' | 'maxRetries' | 'trackBudgetMs'> = {};
  if (flags.rate !== undefined) {
    checkRange('--rate', flags.rate, 0.01, 100, ' requests per second (last.fm asks for at most 5)');
    out.minIntervalMs = 1000 / flags.rate;
  }
  if (flags.timeout !== undefined) {
    checkRange('--timeout', flags.timeout, 0.1, 600, ' seconds');
    out.timeoutMs = flags.timeout * 1000;
  }
  if (flags.retries !== undefined) {
    checkRange('--retries', flags.retries, 0, 20, '', true);
    out.maxRetries = flags.retries;
  }
  if (flags.trackBudget !== undefined) {
    checkRange('--track-budget', flags.trackBudget, 0.1, 3600, ' seconds');
    out.trackBudgetMs = flags.trackBudget * 1000;
  }
  return out;
}

interface Limits {
  minIntervalMs: number;
  maxRetries: number;
  backoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  trackBudgetMs: number;
  maxResponseBytes: number;
}

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
  #secrets: string[]; // the key as it may appear in text: raw and URL-encoded
  #limits: Limits;
  #autocorrect: boolean;
  #signal: AbortSignal | undefined;
  #clock: LastfmClock;
  #onEvent: ((e: LastfmEvent) => void) | undefined;
  #cache: Map<string, TopTagsResult> | null = null;
  #nextSlot = -Infinity; // earliest clock time the next request may start

  constructor(options: LastfmClientOptions = {}) {
    const key = options.apiKey ?? process.env.LASTFM_API_KEY ?? '';
    if (key.trim() === '') {
      throw new LastfmError(`lastfm: no API key: set LASTFM_API_KEY or pass --lastfm-key (${KEY_HELP})`, 'no-key');
    }
    this.#apiKey = key.trim();
    this.#secrets = [...new Set([this.#apiKey, encodeURIComponent(this.#apiKey), new URLSearchParams({ k: this.#apiKey }).toString().slice(2)])];
    this.baseUrl = options.baseUrl ?? 'https://ws.audioscrobbler.com/2.0/';
    let url: URL;
    try {
      url = new URL(this.baseUrl);
    } catch {
      throw new TypeError(`lastfm: baseUrl ${JSON.stringify(this.#redact(this.baseUrl))} is not a URL`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
      throw new TypeError(`lastfm: baseUrl ${JSON.stringify(this.#redact(this.baseUrl))} must be an http(s) URL without user or password`);
    }
    this.cacheFile = options.cacheFile ?? null;
    this.#onEvent = options.onEvent;
    this.#signal = options.signal;
    this.#clock = options.clock ?? systemClock;
    this.#autocorrect = options.autocorrect ?? true;
    this.#limits = {
      minIntervalMs: options.minIntervalMs ?? 250,
      maxRetries: options.maxRetries ?? 5,
      backoffMs: options.backoffMs ?? 1000,
      maxBackoffMs: options.maxBackoffMs ?? 60000,
      timeoutMs: options.timeoutMs ?? 15000,
      trackBudgetMs: options.trackBudgetMs ?? 60000,
      maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024,
    };
    const l = this.#limits;
    // Bounded so that no wait overflows a timer (Node turns delays over 2^31 - 1 ms into 1 ms).
    checkRange('lastfm: option minIntervalMs', l.minIntervalMs, 0, 3_600_000, ' ms');
    checkRange('lastfm: option maxRetries', l.maxRetries, 0, 100, '', true);
    checkRange('lastfm: option backoffMs', l.backoffMs, 0, 3_600_000, ' ms');
    checkRange('lastfm: option maxBackoffMs', l.maxBackoffMs, 0, 3_600_000, ' ms');
    checkRange('lastfm: option timeoutMs', l.timeoutMs, 1, 3_600_000, ' ms');
    checkRange('lastfm: option trackBudgetMs', l.trackBudgetMs, 1, 86_400_000, ' ms');
    checkRange('lastfm: option maxResponseBytes', l.maxResponseBytes, 1, 1024 ** 3, ' bytes', true);
  }

  /** Removes the API key from any text. Applied before text is cut, printed, cached or thrown. */
  #redact(s: string): string {
    for (const k of this.#secrets) s = s.split(k).join('***');
    return s;
  }

  #error(message: string, code: LastfmErrorCode, apiCode: number | null = null): LastfmError {
    return new LastfmError(this.#redact(message), code, apiCode);
  }

  #emit(e: LastfmEvent): void {
    if (this.#onEvent === undefined) return;
    const r = { ...e, artist: this.#redact(e.artist), title: this.#redact(e.title) };
    this.#onEvent('reason' in r ? { ...r, reason: this.#redact(r.reason) } : r);
  }

  #aborted(artist: string, title: string): LastfmError {
    const why = typeof this.#signal?.reason === 'string' ? ` (${this.#signal.reason})` : '';
    const kept = this.cacheFile === null ? '' : `; the answers so far are kept in ${this.cacheFile}`;
    return this.#error(`lastfm: interrupted${why} while looking up ${JSON.stringify(artist)} – ${JSON.stringify(title)}${kept}`, 'aborted');
  }

  #loadCache(): Map<string, TopTagsResult> {
    if (this.#cache) return this.#cache;
    const cache = new Map<string, TopTagsResult>();
    if (this.cacheFile !== null && existsSync(this.cacheFile)) {
      const lines = readFileSync(this.cacheFile, 'utf8').split('\n');
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          const e = JSON.parse(this.#redact(line)) as { artist: string; title: string; status: string; tags?: [string, number][]; message?: string };
          if (e.status === 'ok' && Array.isArray(e.tags))
            cache.set(cacheKey(e.artist, e.title), { status: 'ok', tags: e.tags.map(([name, count]) => ({ name, count })) });
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
    const line =
      r.status === 'ok'
        ? { artist, title, status: 'ok', tags: r.tags.map((t) => [t.name, t.count]) }
        : { artist, title, status: 'not-found', message: r.message };
    appendFileSync(this.cacheFile, this.#redact(JSON.stringify(line)) + '\n'); // one line per lookup: a crash loses at most one
  }

  /** The cached answer for (artist, title), if any, without any network request. */
  cached(artist: string, title: string): TopTagsResult | undefined {
    return this.#loadCache().get(cacheKey(artist, title));
  }

  /**
   * The top tags of a track (last.fm order: highest count first). Cached; rate-limited; retried
   * within the track's time budget. Throws `LastfmError` for a wrong or suspended key, other
   * permanent errors, a response over the size cap, an abort, or when retries or the budget run out.
   */
  async getTopTags(artist: string, title: string): Promise<TopTagsResult> {
    if (typeof artist !== 'string' || typeof title !== 'string' || artist.trim() === '' || title.trim() === '') {
      throw new TypeError(this.#redact(`lastfm: artist and title must be non-empty strings, got ${JSON.stringify(artist)} / ${JSON.stringify(title)}`));
    }
    if (this.#signal?.aborted) throw this.#aborted(artist, title);
    const hit = this.cached(artist, title);
    if (hit) {
      this.cacheHits++;
      this.#emit({ type: 'cache-hit', artist, title });
      return hit;
    }
    const { maxRetries, backoffMs, maxBackoffMs, trackBudgetMs } = this.#limits;
    const what = `lastfm: track.getTopTags(${JSON.stringify(artist)}, ${JSON.stringify(title)})`;
    const start = this.#clock.now();
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      try {
        const r = await this.#attempt(artist, title, attempt, start + trackBudgetMs);
        this.#store(artist, title, r);
        return r;
      } catch (e) {
        if (!(e instanceof Transient)) throw e;
        reason = e.message;
      }
      if (attempt >= maxRetries) {
        throw this.#error(`${what} failed after ${attempt + 1} attempts: ${reason} (more with --retries / maxRetries)`, 'retries-exhausted');
      }
      const delayMs = Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
      const elapsed = this.#clock.now() - start;
      if (elapsed + delayMs >= trackBudgetMs) {
        throw this.#error(
          `${what} failed after ${attempt + 1} attempts in ${seconds(elapsed)}, the next retry would pass the track's time budget of ${seconds(trackBudgetMs)} (--track-budget / trackBudgetMs): ${reason}`,
          'budget-exhausted',
        );
      }
      this.#emit({ type: 'retry', artist, title, attempt: attempt + 1, reason, delayMs });
      await this.#sleep(delayMs, artist, title);
    }
  }

  /** Sleeps on the client's clock; an abort ends the wait at once. */
  async #sleep(ms: number, artist: string, title: string): Promise<void> {
    if (ms <= 0) return;
    try {
      await this.#clock.sleep(ms, this.#signal);
    } catch (e) {
      if (this.#signal?.aborted) throw this.#aborted(artist, title);
      throw e;
    }
  }

  /** Waits for this request's rate-limit slot (requests start at least minIntervalMs apart). */
  async #rateLimit(artist: string, title: string): Promise<void> {
    const now = this.#clock.now();
    const start = Math.max(now, this.#nextSlot);
    this.#nextSlot = start + this.#limits.minIntervalMs; // reserved before waiting, so concurrent callers queue up
    await this.#sleep(start - now, artist, title);
  }

  async #attempt(artist: string, title: string, attempt: number, deadline: number): Promise<TopTagsResult> {
    await this.#rateLimit(artist, title);
    const timeoutMs = Math.min(this.#limits.timeoutMs, deadline - this.#clock.now());
    if (timeoutMs <= 0) throw new Transient('the time budget ran out while waiting for the rate limit');
    const url = new URL(this.baseUrl);
    url.searchParams.set('method', 'track.gettoptags');
    url.searchParams.set('artist', artist);
    url.searchParams.set('track', title);
    url.searchParams.set('autocorrect', this.#autocorrect ? '1' : '0');
    url.searchParams.set('api_key', this.#apiKey);
    url.searchParams.set('format', 'json');
    this.requests++;
    this.#emit({ type: 'request', artist, title, attempt });
    // One controller per attempt, fed by the timeout and the caller's signal; it also tears the
    // connection down however the attempt ends. Listeners, not AbortSignal.any, so that nothing stays
    // attached to the caller's long-lived signal after the attempt.
    const timeout = this.#clock.timeout(timeoutMs);
    const ctrl = new AbortController();
    const stop = () => ctrl.abort();
    timeout.addEventListener('abort', stop);
    this.#signal?.addEventListener('abort', stop);
    let status: number, text: string;
    try {
      if (timeout.aborted || this.#signal?.aborted) stop();
      const res = await fetch(url, { signal: ctrl.signal, headers: { 'user-agent': 'timbre-genre/0.1', accept: 'application/json' } });
      status = res.status;
      text = await this.#readBody(res, artist, title);
    } catch (e) {
      if (e instanceof LastfmError) throw e;
      if (this.#signal?.aborted) throw this.#aborted(artist, title);
      if (timeout.aborted) throw new Transient(`timed out after ${timeoutMs} ms`);
      const err = e as Error & { cause?: { code?: string; message?: string } };
      throw new Transient(this.#redact(`network error: ${err.cause?.code ?? err.cause?.message ?? err.message}`));
    } finally {
      timeout.removeEventListener('abort', stop);
      this.#signal?.removeEventListener('abort', stop);
      ctrl.abort();
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      /* handled below */
    }
    const apiError =
      body !== null && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'number'
        ? (body as { error: number; message?: unknown })
        : null;
    const what = `lastfm: track.getTopTags(${JSON.stringify(artist)}, ${JSON.stringify(title)})`;
    if (apiError) {
      const code = apiError.error;
      const msg = this.#redact(String(apiError.message ?? '')).slice(0, 200);
      if (NOT_FOUND_CODES.has(code)) return { status: 'not-found', message: msg };
      if (RETRY_CODES.has(code)) throw new Transient(`last.fm error ${code} (${msg})`);
      if (code === 10) {
        throw this.#error(
          `lastfm: last.fm rejected the API key (error 10: ${msg}) while looking up ${JSON.stringify(artist)} – ${JSON.stringify(title)}: check LASTFM_API_KEY or --lastfm-key (${KEY_HELP})`,
          'invalid-key',
          code,
        );
      }
      if (code === 26) {
        throw this.#error(
          `lastfm: last.fm suspended this API key (error 26: ${msg}) while looking up ${JSON.stringify(artist)} – ${JSON.stringify(title)}: see https://www.last.fm/api/accounts or ${KEY_HELP}, and keep --rate at 5 or less`,
          'suspended-key',
          code,
        );
      }
      throw this.#error(`${what}: last.fm error ${code}: ${msg}`, 'api-error', code);
    }
    if (status === 429 || status >= 500) throw new Transient(`HTTP ${status}`);
    if (status !== 200) throw this.#error(`${what}: HTTP ${status}`, 'http-error');
    if (body === undefined) throw new Transient(`response is not JSON (${JSON.stringify(this.#redact(text).slice(0, 40))}…)`);
    const tags = parseTopTags(body);
    if (tags === null) throw new Transient('response JSON has no toptags object');
    return { status: 'ok', tags: tags.map((t) => ({ name: this.#redact(t.name), count: t.count })) };
  }

  /** The body as text; stops reading (and drops the connection) as soon as it passes maxResponseBytes. */
  async #readBody(res: Response, artist: string, title: string): Promise<string> {
    const cap = this.#limits.maxResponseBytes;
    const tooLarge = (n: string) =>
      this.#error(
        `lastfm: track.getTopTags(${JSON.stringify(artist)}, ${JSON.stringify(title)}): response is larger than ${cap} bytes (${n}); not retried`,
        'response-too-large',
      );
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > cap && res.headers.get('content-encoding') === null) {
      await res.body?.cancel().catch(() => {});
      throw tooLarge(`Content-Length ${declared}`);
    }
    if (res.body === null) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > cap) {
        await reader.cancel().catch(() => {});
        throw tooLarge(`stopped reading at ${total} bytes`);
      }
      chunks.push(value);
    }
    return Buffer.concat(chunks).toString('utf8');
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
