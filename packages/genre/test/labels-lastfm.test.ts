// The last.fm client against a fake last.fm on 127.0.0.1 that throws every fault at it: slow, dead,
// failing and huge answers, wrong and suspended keys, a server that echoes the key back. Time comes from a
// fake clock (sleeps return at once, a request times out when the server decides to hang), so nothing waits.
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LastfmClient, LastfmError, lastfmFlagOptions, parseTopTags, type LastfmClock, type LastfmEvent } from '../src/labels/lastfm.js';
import { labelFromLastfm } from '../src/labels/label.js';
import { runCli } from './cli-helpers.js';

const KEY = 'k3y-s3cr3t-0123456789abcdef';
const HUGE_TOTAL = 32 * 1024 * 1024; // what the "Huge" artist would send in full
const seen = new Map<string, number>(); // artist -> requests received
const queries: URLSearchParams[] = [];
let hugeSent = 0; // bytes the server managed to write for "Huge" before the client hung up
let onHang: () => void = () => {}; // called when the server decides not to answer a request
let server: Server;
let baseUrl = '';
const dir = mkdtempSync(join(tmpdir(), 'timbre-lastfm-'));

const tagsBody = (tags: [string, number][]) =>
  JSON.stringify({
    toptags: {
      tag: tags.map(([name, count]) => ({ name, count, url: `https://www.last.fm/tag/${encodeURIComponent(name)}` })),
      '@attr': { artist: 'x', track: 'y' },
    },
  });

/** Sleeps return at once and move time on; a request's timeout fires only when `expire()` is called. */
interface FakeClock extends LastfmClock {
  sleeps: number[];
  expire(): void;
}
function fakeClock(): FakeClock {
  let t = 0;
  const timeouts: { due: number; ctrl: AbortController }[] = [];
  return {
    sleeps: [],
    now: () => t,
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      this.sleeps.push(ms);
      t += ms;
      await new Promise((r) => setImmediate(r));
      signal?.throwIfAborted();
    },
    timeout(ms) {
      const ctrl = new AbortController();
      timeouts.push({ due: t + ms, ctrl });
      return ctrl.signal;
    },
    expire() {
      // the latest request is the one in flight (a client asks one at a time here)
      const last = timeouts.pop();
      if (last === undefined) return;
      t = Math.max(t, last.due);
      last.ctrl.abort(new Error('fake timeout'));
    },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    queries.push(q);
    const artist = q.get('artist') ?? '';
    const n = (seen.get(artist) ?? 0) + 1;
    seen.set(artist, n);
    const json = (code: number, body: string) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(body);
    };
    if (q.get('api_key') !== KEY) return json(403, JSON.stringify({ error: 10, message: 'Invalid API key - You must be granted a valid key by last.fm' }));
    if (q.get('method') !== 'track.gettoptags' || q.get('format') !== 'json') return json(400, JSON.stringify({ error: 3, message: 'Invalid Method' }));
    switch (artist) {
      case 'Slow': // the first request is never answered (the client times out), the second is
        if (n === 1) return onHang();
        return json(200, tagsBody([['jazz', 100]]));
      case 'Dead': // accepts the connection, never answers
        return onHang();
      case 'Busy': // two 429s, then fine
        if (n <= 2) {
          res.writeHead(429, { 'retry-after': '0' });
          return res.end('Too Many Requests');
        }
        return json(
          200,
          tagsBody([
            ['Hip Hop', 90],
            ['rap', 100],
          ]),
        );
      case 'Broken': // a 500, a 503, then fine
        if (n === 1) {
          res.writeHead(500);
          return res.end('<html>Internal Server Error</html>');
        }
        if (n === 2) {
          res.writeHead(503);
          return res.end();
        }
        return json(
          200,
          tagsBody([
            ['pop', 41],
            ['rock', 35],
          ]),
        );
      case 'Down': // 503 for ever
        res.writeHead(503);
        return res.end();
      case 'Garbage': // never valid JSON
        return json(200, '{"toptags": {"tag": [ {"name": "rock", "cou');
      case 'Leaky': // not JSON, and the key sits inside the first 40 characters
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end(`Bad gateway for api_key=${KEY}&format=json`);
      case 'Echo': // the key comes back inside tag names
        return json(
          200,
          tagsBody([
            [`rock ${KEY}`, 100],
            [`${KEY}${encodeURIComponent(KEY)}`, 50],
          ]),
        );
      case 'Huge': {
        // a body far larger than any real answer, streamed without Content-Length
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (hugeSent < HUGE_TOTAL && !res.destroyed) {
            hugeSent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        return pump();
      }
      case 'Declared': // announces 400 MB, sends a little, then waits
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400000000' });
        return void res.write(Buffer.alloc(1024, 0x20));
      case 'Limited': // last.fm error 29 once
        if (n === 1) return json(200, JSON.stringify({ error: 29, message: 'Rate Limit Exceded' }));
        return json(200, tagsBody([['country', 12]]));
      case 'Suspended': // last.fm error 26
        return json(403, JSON.stringify({ error: 26, message: 'Suspended API key - Access for your account has been suspended, please contact Last.fm' }));
      case 'Unknown': // last.fm error 6
        return json(200, JSON.stringify({ error: 6, message: 'Track not found', links: [] }));
      case 'Single': // one tag comes as an object, not a list
        return json(200, JSON.stringify({ toptags: { tag: { name: 'Reggae', count: 100 }, '@attr': {} } }));
      case 'Untagged':
        return json(200, JSON.stringify({ toptags: { '#text': '\n', '@attr': {} } }));
      case 'Forbidden':
        res.writeHead(403);
        return res.end('nope');
      default:
        return json(
          200,
          tagsBody([
            ['rock', 100],
            ['Metal', 80],
          ]),
        );
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  baseUrl = `http://127.0.0.1:${addr.port}/2.0/`;
});

// Every test meets the fake server as new: its per-artist behaviour (two 429s, then an answer) counts from zero.
beforeEach(() => {
  seen.clear();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const fast = { minIntervalMs: 2, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 1500, maxRetries: 3 };

/** A client on a fresh fake clock whose requests time out when the server hangs. */
function fakeTimed(options: ConstructorParameters<typeof LastfmClient>[0] = {}): { lf: LastfmClient; clock: FakeClock } {
  const clock = fakeClock();
  onHang = () => clock.expire();
  return { lf: new LastfmClient({ apiKey: KEY, baseUrl, ...fast, clock, ...options }), clock };
}

const failure = (p: Promise<unknown>): Promise<LastfmError> =>
  p.then(
    () => {
      throw new Error('expected a LastfmError');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(LastfmError);
      return e as LastfmError;
    },
  );

describe('LastfmClient against a faulty fake last.fm', () => {
  const events: LastfmEvent[] = [];
  const cacheFile = join(dir, 'cache.jsonl');

  it('survives timeouts, 429, 5xx, error 29; reports not-found; parses odd shapes', async () => {
    const { lf, clock } = fakeTimed({ cacheFile, onEvent: (e) => events.push(e) });
    expect(await lf.getTopTags('Slow', 'A')).toEqual({ status: 'ok', tags: [{ name: 'jazz', count: 100 }] });
    expect(await lf.getTopTags('Busy', 'B')).toEqual({
      status: 'ok',
      tags: [
        { name: 'Hip Hop', count: 90 },
        { name: 'rap', count: 100 },
      ],
    });
    expect((await lf.getTopTags('Broken', 'C')).status).toBe('ok');
    expect(await lf.getTopTags('Limited', 'D')).toEqual({ status: 'ok', tags: [{ name: 'country', count: 12 }] });
    expect(await lf.getTopTags('Unknown', 'E')).toEqual({ status: 'not-found', message: 'Track not found' });
    expect(await lf.getTopTags('Single', 'F')).toEqual({ status: 'ok', tags: [{ name: 'Reggae', count: 100 }] });
    expect(await lf.getTopTags('Untagged', 'G')).toEqual({ status: 'ok', tags: [] });
    expect(seen.get('Slow')).toBe(2);
    expect(seen.get('Busy')).toBe(3);
    expect(seen.get('Broken')).toBe(3);
    expect(seen.get('Limited')).toBe(2);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { reason: string }).reason)).toEqual([
      'timed out after 1500 ms',
      'HTTP 429',
      'HTTP 429',
      'HTTP 500',
      'HTTP 503',
      'last.fm error 29 (Rate Limit Exceded)',
    ]);
    // Exponential backoff: delays double per attempt, capped.
    expect(events.filter((e) => e.type === 'retry' && e.artist === 'Busy').map((e) => (e as { delayMs: number }).delayMs)).toEqual([5, 10]);
    // Requests start minIntervalMs apart: a request right after another waits for its slot.
    expect(clock.sleeps).toContain(2);
    // The request carries the documented parameters.
    const q = queries.find((x) => x.get('artist') === 'Single')!;
    expect(q.get('track')).toBe('F');
    expect(q.get('autocorrect')).toBe('1');
  });

  it('gives up on garbage JSON after maxRetries, and does not cache the failure', async () => {
    const { lf } = fakeTimed({ cacheFile });
    const err = await failure(lf.getTopTags('Garbage', 'H'));
    expect(err.code).toBe('retries-exhausted');
    expect(err.message).toMatch(/failed after 4 attempts: response is not JSON/);
    expect(seen.get('Garbage')).toBe(4);
    expect(lf.cached('Garbage', 'H')).toBeUndefined();
  });

  it('does not retry a permanent HTTP error', async () => {
    const { lf } = fakeTimed();
    const err = await failure(lf.getTopTags('Forbidden', 'I'));
    expect(err.code).toBe('http-error');
    expect(err.message).toMatch(/"Forbidden", "I"\): HTTP 403/);
    expect(seen.get('Forbidden')).toBe(1);
  });

  it('a rerun asks nothing twice: every answer (ok and not-found) comes from the disk cache', async () => {
    const rerunCache = join(dir, 'rerun-cache.jsonl');
    const first = fakeTimed({ cacheFile: rerunCache }).lf;
    for (const [a, t] of [
      ['Slow', 'A'],
      ['Busy', 'B'],
      ['Broken', 'C'],
      ['Unknown', 'E'],
      ['Untagged', 'G'],
    ])
      await first.getTopTags(a, t);
    const before = queries.length;
    const { lf } = fakeTimed({ cacheFile: rerunCache });
    for (const [a, t] of [
      ['Slow', 'A'],
      ['busy', 'b '],
      ['Broken', 'C'],
      ['Unknown', 'E'],
      ['Untagged', 'G'],
    ]) {
      await lf.getTopTags(a, t);
    }
    expect(queries.length).toBe(before);
    expect(lf.cacheHits).toBe(5);
    expect(lf.requests).toBe(0);
  });

  it('never writes the API key to the cache, events or error messages', async () => {
    const keyCache = join(dir, 'key-cache.jsonl');
    const seenEvents: LastfmEvent[] = [];
    const { lf } = fakeTimed({ cacheFile: keyCache, onEvent: (e) => seenEvents.push(e) });
    for (const [a, t] of [
      ['Busy', 'B'],
      ['Unknown', 'E'],
      ['Someone', 'K'],
    ])
      await lf.getTopTags(a, t);
    expect(readFileSync(keyCache, 'utf8')).not.toContain(KEY);
    expect(seenEvents.length).toBeGreaterThan(0);
    expect(JSON.stringify(seenEvents)).not.toContain(KEY);
    const dead = new LastfmClient({ apiKey: KEY, baseUrl: 'http://127.0.0.1:1/', ...fast, maxRetries: 1 });
    const err = await failure(dead.getTopTags('Nobody', 'K'));
    expect(err.message).toMatch(/failed after 2 attempts: network error/);
    expect(err.message).not.toContain(KEY);
    expect(String(err.stack)).not.toContain(KEY);
  });

  it('requires a key and says how to set it', () => {
    const saved = process.env.LASTFM_API_KEY;
    delete process.env.LASTFM_API_KEY;
    try {
      expect(() => new LastfmClient({ baseUrl })).toThrow(/set LASTFM_API_KEY or pass --lastfm-key/);
    } finally {
      if (saved !== undefined) process.env.LASTFM_API_KEY = saved;
    }
  });

  it('labelFromLastfm applies the rule and counts each outcome; a bad key stops the run', async () => {
    const { lf } = fakeTimed({ maxRetries: 2 }); // Busy answers on its third request; Garbage never does
    const tracks = [
      { trackId: 'T1', artist: 'Busy', title: 'B' },
      { trackId: 'T2', artist: 'Unknown', title: 'E' },
      { trackId: 'T3', artist: 'Untagged', title: 'G' },
      { trackId: 'T4', artist: 'Garbage', title: 'H' },
      { trackId: 'T5', artist: 'Someone', title: 'L' },
      { trackId: 'T6', artist: '', title: 'M' },
    ];
    const r = await labelFromLastfm(tracks, lf);
    expect(Object.fromEntries(r.labels)).toEqual({ T1: 'rap', T5: 'rock' });
    expect(r.counts).toEqual({ tracks: 6, labelled: 2, noMatchingTag: 1, notFound: 1, failed: 2 });
    const seed = await labelFromLastfm(tracks.slice(0, 1), lf, { rule: 'original' });
    expect(seed.labels.get('T1')).toBe('rap'); // last of ["Hip Hop", "rap"] in the 17, "Hip Hop" isn't (case/space)
    const bad = new LastfmClient({ apiKey: 'nope', baseUrl, ...fast });
    await expect(labelFromLastfm(tracks, bad)).rejects.toThrow(/rejected the API key/);
  });
});

describe('a wrong or suspended key stops at once with what to do', () => {
  it('error 10: code invalid-key, the server message, how to fix it; no retry', async () => {
    const before = seen.get('Anyone') ?? 0;
    const { lf } = fakeTimed({ apiKey: KEY + 'x' });
    const err = await failure(lf.getTopTags('Anyone', 'J'));
    expect(err.code).toBe('invalid-key');
    expect(err.apiCode).toBe(10);
    expect(err.message).toMatch(/rejected the API key \(error 10: Invalid API key/);
    expect(err.message).toMatch(/check LASTFM_API_KEY or --lastfm-key/);
    expect(err.message).not.toContain(KEY);
    expect(seen.get('Anyone')).toBe(before + 1);
  });

  it('error 26: code suspended-key, says the key is suspended; no retry', async () => {
    const { lf } = fakeTimed();
    const err = await failure(lf.getTopTags('Suspended', 'S'));
    expect(err.code).toBe('suspended-key');
    expect(err.apiCode).toBe(26);
    expect(err.message).toMatch(/suspended this API key \(error 26: Suspended API key/);
    expect(seen.get('Suspended')).toBe(1);
  });
});

describe('the API key never leaks', () => {
  it('a non-JSON body with the key in its first characters: redacted before it is cut', async () => {
    const events: LastfmEvent[] = [];
    const { lf } = fakeTimed({ maxRetries: 1, onEvent: (e) => events.push(e) });
    const r = await labelFromLastfm([{ trackId: 'TL', artist: 'Leaky', title: 'X' }], lf);
    expect(r.counts.failed).toBe(1);
    const reason = r.failures[0].reason;
    expect(reason).toMatch(/response is not JSON \("Bad gateway for api_key=\*\*\*&format=json"/);
    for (const text of [reason, JSON.stringify(events)]) {
      expect(text).not.toContain(KEY.slice(0, 6));
      expect(text).not.toContain(KEY.slice(-6));
    }
  });

  it('a key echoed inside tag names is redacted in the answer and in the cache file', async () => {
    const cacheFile = join(dir, 'echo.jsonl');
    const { lf } = fakeTimed({ cacheFile });
    const r = await lf.getTopTags('Echo', 'Y');
    expect(r).toEqual({
      status: 'ok',
      tags: [
        { name: 'rock ***', count: 100 },
        { name: '******', count: 50 },
      ],
    });
    expect(readFileSync(cacheFile, 'utf8')).not.toContain(KEY);
    expect(readFileSync(cacheFile, 'utf8')).toContain('rock ***');
    const old = join(dir, 'old-cache.jsonl'); // a cache written before redaction existed
    writeFileSync(old, JSON.stringify({ artist: 'Echo', title: 'Y', status: 'ok', tags: [[`rock ${KEY}`, 100]] }) + '\n');
    expect(new LastfmClient({ apiKey: KEY, baseUrl, cacheFile: old }).cached('Echo', 'Y')).toEqual({ status: 'ok', tags: [{ name: 'rock ***', count: 100 }] });
  });

  it('the key is redacted from messages built from the artist, title or base URL', async () => {
    const { lf } = fakeTimed();
    await expect(lf.getTopTags(`x${KEY}`, ' ')).rejects.toThrow(/x\*\*\*/);
    let message = '';
    try {
      new LastfmClient({ apiKey: KEY, baseUrl: `http://u:${KEY}@127.0.0.1/` });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('lastfm: baseUrl "http://u:***@127.0.0.1/" must be an http(s) URL without user or password');
  });
});

describe('responses are capped in size', () => {
  it('a huge streamed body is abandoned at the cap and not downloaded again', async () => {
    const { lf } = fakeTimed({ maxResponseBytes: 256 * 1024 });
    const err = await failure(lf.getTopTags('Huge', 'Z'));
    expect(err.code).toBe('response-too-large');
    expect(err.message).toMatch(/response is larger than 262144 bytes \(stopped reading at \d+ bytes\); not retried/);
    expect(seen.get('Huge')).toBe(1);
    expect(hugeSent).toBeLessThan(HUGE_TOTAL); // the client hung up long before the end
  });

  it('a declared Content-Length over the cap is refused before reading', async () => {
    const { lf } = fakeTimed();
    const err = await failure(lf.getTopTags('Declared', 'Z'));
    expect(err.code).toBe('response-too-large');
    expect(err.message).toMatch(/larger than 1048576 bytes \(Content-Length 400000000\)/);
    expect(seen.get('Declared')).toBe(1);
  });

  it('labelFromLastfm counts a too-large answer as one failed track and goes on', async () => {
    const { lf } = fakeTimed({ maxResponseBytes: 64 * 1024 });
    const r = await labelFromLastfm(
      [
        { trackId: 'TD', artist: 'Declared', title: 'W' },
        { trackId: 'TS', artist: 'Someone', title: 'W' },
      ],
      lf,
    );
    expect(r.counts).toMatchObject({ tracks: 2, labelled: 1, failed: 1 });
    expect(r.failures[0]).toMatchObject({ trackId: 'TD', reason: expect.stringMatching(/larger than 65536 bytes/) });
  });
});

describe('timeouts, retries and the time budget per track', () => {
  it('a dead server costs at most the track budget: the last attempt gets what is left, no retry starts past it', async () => {
    const { lf, clock } = fakeTimed({ timeoutMs: 1000, backoffMs: 500, maxBackoffMs: 60000, maxRetries: 10, trackBudgetMs: 4000, minIntervalMs: 0 });
    const err = await failure(lf.getTopTags('Dead', 'A'));
    expect(err.code).toBe('budget-exhausted');
    expect(err.message).toMatch(
      /failed after 3 attempts in 4 s, the next retry would pass the track's time budget of 4 s \(--track-budget \/ trackBudgetMs\): timed out after 500 ms/,
    );
    expect(lf.requests).toBe(3);
    expect(clock.sleeps).toEqual([500, 1000]); // backoff only: no sleep that could not lead to an attempt
    expect(clock.now()).toBe(4000);
  });

  it('maxRetries bounds the attempts on a dead server', async () => {
    const { lf } = fakeTimed({ timeoutMs: 200, maxRetries: 2, trackBudgetMs: 60000 });
    const err = await failure(lf.getTopTags('Dead', 'B'));
    expect(err.code).toBe('retries-exhausted');
    expect(err.message).toMatch(/failed after 3 attempts: timed out after 200 ms/);
    expect(lf.requests).toBe(3);
  });

  it('labelFromLastfm: a dead track fails within its budget and the run goes on', async () => {
    const { lf } = fakeTimed({ timeoutMs: 1000, maxRetries: 5, trackBudgetMs: 2500 });
    const r = await labelFromLastfm(
      [
        { trackId: 'T1', artist: 'Dead', title: 'C' },
        { trackId: 'T2', artist: 'Someone', title: 'C' },
      ],
      lf,
    );
    expect(r.counts).toMatchObject({ labelled: 1, failed: 1 });
    expect(r.failures[0].reason).toMatch(/time budget of 2\.5 s/);
  });

  it('refuses limits that would switch rate limiting off or overflow a timer', () => {
    for (const bad of [
      { minIntervalMs: Infinity },
      { minIntervalMs: 1e12 },
      { minIntervalMs: NaN },
      { timeoutMs: 0 },
      { maxRetries: 1.5 },
      { trackBudgetMs: -1 },
      { maxResponseBytes: 0 },
      { backoffMs: 1e10 },
    ]) {
      expect(() => new LastfmClient({ apiKey: KEY, baseUrl, ...bad }), JSON.stringify(bad)).toThrow(new RegExp(`option ${Object.keys(bad)[0]} must be`));
    }
  });

  it('the label command flags are checked and named', () => {
    expect(lastfmFlagOptions({ rate: 4, timeout: 10, retries: 2, trackBudget: 30 })).toEqual({
      minIntervalMs: 250,
      timeoutMs: 10000,
      maxRetries: 2,
      trackBudgetMs: 30000,
    });
    for (const rate of [0, 1e-9, -1, Infinity, NaN, 1000]) {
      expect(() => lastfmFlagOptions({ rate })).toThrow(/^--rate must be a number from 0\.01 to 100 requests per second/);
    }
    expect(() => lastfmFlagOptions({ timeout: 0 })).toThrow(/^--timeout must be a number from 0\.1 to 600 seconds, got 0/);
    expect(() => lastfmFlagOptions({ retries: -1 })).toThrow(/^--retries must be an integer from 0 to 20, got -1/);
    expect(() => lastfmFlagOptions({ trackBudget: 1e9 })).toThrow(/^--track-budget must be a number from 0\.1 to 3600 seconds/);
  });
});

describe('an abort ends every wait at once', () => {
  it('during a request the server never answers (system clock, long timeout)', async () => {
    const stop = new AbortController();
    onHang = () => stop.abort('SIGINT');
    const cacheFile = join(dir, 'abort.jsonl');
    const lf = new LastfmClient({ apiKey: KEY, baseUrl, cacheFile, minIntervalMs: 0, timeoutMs: 600_000, signal: stop.signal });
    expect((await lf.getTopTags('Someone', 'Kept')).status).toBe('ok');
    const err = await failure(lf.getTopTags('Dead', 'D'));
    expect(err.code).toBe('aborted');
    expect(err.message).toBe(`lastfm: interrupted (SIGINT) while looking up "Dead" – "D"; the answers so far are kept in ${cacheFile}`);
    expect(new LastfmClient({ apiKey: KEY, baseUrl, cacheFile }).cached('Someone', 'Kept')?.status).toBe('ok');
    await expect(lf.getTopTags('Someone', 'Kept')).rejects.toThrow(/interrupted/); // stays stopped, even for cached tracks
  });

  it('during a backoff wait (system clock, ten-minute backoff)', async () => {
    const stop = new AbortController();
    const lf = new LastfmClient({
      apiKey: KEY,
      baseUrl,
      minIntervalMs: 0,
      backoffMs: 600_000,
      maxBackoffMs: 600_000,
      trackBudgetMs: 3_600_000,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === 'retry') stop.abort();
      },
    });
    const err = await failure(lf.getTopTags('Down', 'E'));
    expect(err.code).toBe('aborted');
    expect(lf.requests).toBe(1);
  });

  it('during a rate-limit wait (system clock, one request an hour)', async () => {
    const stop = new AbortController();
    const lf = new LastfmClient({ apiKey: KEY, baseUrl, minIntervalMs: 3_600_000, signal: stop.signal });
    await lf.getTopTags('Someone', 'F');
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0); // nothing stays attached to a long-lived signal
    const waiting = lf.getTopTags('Someone', 'G');
    setImmediate(() => stop.abort());
    expect((await failure(waiting)).code).toBe('aborted');
    expect(lf.requests).toBe(1);
  });
});

const cli = (args: string[]) => runCli(...args);

describe('timbre labels --lastfm: errors are clear, nothing is lost', () => {
  const songs = (name: string, rows: [string, string, string][]) => {
    const p = join(dir, name);
    writeFileSync(p, 'track_id,artist_name,title\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
    return p;
  };
  const run = (songsCsv: string, cache: string, output: string, ...extra: string[]) =>
    cli(['labels', '--lastfm', '--songs', songsCsv, '--base-url', baseUrl, '--cache', cache, '--rate', '100', '--lastfm-key', KEY, '-o', output, ...extra]);

  it('a wrong key: one clear message, no stack trace; the cache and the old label file are untouched', async () => {
    const cache = join(dir, 'cli-10.jsonl');
    const output = join(dir, 'cli-10.cls');
    writeFileSync(cache, JSON.stringify({ artist: 'Cached', title: 'One', status: 'ok', tags: [['rock', 100]] }) + '\n');
    writeFileSync(output, 'TRPREVIOUS\trock\n');
    const csv = songs('cli-10.csv', [
      ['TR1', 'Cached', 'One'],
      ['TR2', 'Someone', 'Two'],
    ]);
    const r = await cli([
      'labels',
      '--lastfm',
      '--songs',
      csv,
      '--base-url',
      baseUrl,
      '--cache',
      cache,
      '--rate',
      '100',
      '--lastfm-key',
      'wrong-key',
      '-o',
      output,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^timbre: error: lastfm: last.fm rejected the API key \(error 10: Invalid API key[^\n]*check LASTFM_API_KEY or --lastfm-key/);
    expect(r.err).not.toMatch(/TypeError|\n\s+at /);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(cache, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(readFileSync(output, 'utf8')).toBe('TRPREVIOUS\trock\n');
  });

  it('a key suspended mid-run: stops there; answers before it stay cached; no label file', async () => {
    const cache = join(dir, 'cli-26.jsonl');
    const output = join(dir, 'cli-26.cls');
    const csv = songs('cli-26.csv', [
      ['TR1', 'Someone', 'First'],
      ['TR2', 'Suspended', 'Second'],
      ['TR3', 'Someone', 'Third'],
    ]);
    const r = await run(csv, cache, output);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^timbre: error: lastfm: last.fm suspended this API key \(error 26: Suspended API key/);
    expect(r.err).not.toMatch(/TypeError|\n\s+at /);
    expect(readFileSync(cache, 'utf8')).toMatch(/^\{"artist":"Someone","title":"First","status":"ok"/);
    expect(readFileSync(cache, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(output)).toBe(false);
    expect(queries.some((q) => q.get('track') === 'Third')).toBe(false);
  });

  it('--rate 0 and --rate 1e-9 are refused before any request, naming the flag', async () => {
    const csv = songs('cli-rate.csv', [['TR1', 'RateCheck', 'One']]);
    for (const rate of ['0', '1e-9', '-3']) {
      const r = await cli([
        'labels',
        '--lastfm',
        '--songs',
        csv,
        '--base-url',
        baseUrl,
        '--cache',
        join(dir, 'rate.jsonl'),
        '--lastfm-key',
        KEY,
        '--rate',
        rate,
        '-o',
        join(dir, 'rate.cls'),
      ]);
      expect(r.code, rate).toBe(1);
      expect(r.err).toMatch(/--rate must be a number from 0\.01 to 100 requests per second \(last\.fm asks for at most 5\), got -?\d/);
    }
    expect(seen.get('RateCheck')).toBeUndefined();
    expect(existsSync(join(dir, 'rate.cls'))).toBe(false);
  });

  it('--timeout, --retries and --track-budget reach the client; the JSON failures carry no key', async () => {
    const csv = songs('cli-flags.csv', [
      ['TR1', 'Leaky', 'One'],
      ['TR2', 'Someone', 'Two'],
    ]);
    const before = seen.get('Leaky') ?? 0;
    const r = await run(csv, join(dir, 'flags.jsonl'), join(dir, 'flags.cls'), '--timeout', '5', '--retries', '0', '--track-budget', '30', '--json');
    expect(r.code).toBe(0);
    expect(seen.get('Leaky')).toBe(before + 1); // --retries 0: one attempt
    const o = JSON.parse(r.out) as { counts: { failed: number; labelled: number }; failures: { trackId: string; reason: string }[] };
    expect(o.counts).toMatchObject({ labelled: 1, failed: 1 });
    expect(o.failures[0].trackId).toBe('TR1');
    expect(r.out + r.err).not.toContain(KEY.slice(0, 6));
    const bad = await run(csv, join(dir, 'flags.jsonl'), join(dir, 'flags.cls'), '--retries', '-1');
    expect(bad.err).toMatch(/--retries must be an integer from 0 to 20, got -1/);
  });

  it('SIGINT ends the run at once: clear message, listeners removed, no label file', async () => {
    const csv = songs('cli-int.csv', [
      ['TR1', 'Someone', 'Before'],
      ['TR2', 'Dead', 'Never'],
    ]);
    const cache = join(dir, 'cli-int.jsonl');
    const output = join(dir, 'cli-int.cls');
    const listeners = process.listenerCount('SIGINT');
    let delivered = false;
    onHang = () => {
      delivered = process.listenerCount('SIGINT') > listeners && process.emit('SIGINT', 'SIGINT');
    };
    const r = await run(csv, cache, output, '--timeout', '600', '--track-budget', '3600');
    expect(delivered).toBe(true);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`timbre: error: lastfm: interrupted (SIGINT) while looking up "Dead" – "Never"; the answers so far are kept in ${cache}\n`);
    expect(readFileSync(cache, 'utf8')).toContain('"title":"Before"');
    expect(existsSync(output)).toBe(false);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});

describe('parseTopTags', () => {
  it('accepts a list, a single tag or none; rejects malformed bodies', () => {
    expect(parseTopTags({ toptags: { tag: [{ name: 'a', count: '7' }] } })).toEqual([{ name: 'a', count: 7 }]);
    expect(parseTopTags({ toptags: {} })).toEqual([]);
    expect(parseTopTags({ nothing: 1 })).toBeNull();
    expect(parseTopTags({ toptags: { tag: [{ count: 3 }] } })).toBeNull();
  });
});
