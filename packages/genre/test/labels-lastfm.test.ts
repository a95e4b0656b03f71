// The last.fm client against a fake last.fm on 127.0.0.1 that throws every fault at it.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LastfmClient, LastfmError, parseTopTags, type LastfmEvent } from '../src/labels/lastfm.js';
import { labelFromLastfm } from '../src/labels/label.js';

const KEY = 'k3y-s3cr3t-0123456789abcdef';
const seen = new Map<string, number>(); // artist -> requests received
const queries: URLSearchParams[] = [];
let server: Server;
let baseUrl = '';
const dir = mkdtempSync(join(tmpdir(), 'timbre-lastfm-'));

const tagsBody = (tags: [string, number][]) => JSON.stringify({
  toptags: { tag: tags.map(([name, count]) => ({ name, count, url: `https://www.last.fm/tag/${encodeURIComponent(name)}` })), '@attr': { artist: 'x', track: 'y' } },
});

beforeAll(async () => {
  server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    queries.push(q);
    const artist = q.get('artist') ?? '';
    const n = (seen.get(artist) ?? 0) + 1;
    seen.set(artist, n);
    const json = (code: number, body: string) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(body); };
    if (q.get('api_key') !== KEY) return json(403, JSON.stringify({ error: 10, message: 'Invalid API key - You must be granted a valid key by last.fm' }));
    if (q.get('method') !== 'track.gettoptags' || q.get('format') !== 'json') return json(400, JSON.stringify({ error: 3, message: 'Invalid Method' }));
    switch (artist) {
      case 'Slow': // first answer arrives after the client's timeout
        if (n === 1) { setTimeout(() => { if (!res.writableEnded && !res.destroyed) json(200, tagsBody([['jazz', 100]])); }, 4000); return; }
        return json(200, tagsBody([['jazz', 100]]));
      case 'Busy': // two 429s, then fine
        if (n <= 2) { res.writeHead(429, { 'retry-after': '0' }); return res.end('Too Many Requests'); }
        return json(200, tagsBody([['Hip Hop', 90], ['rap', 100]]));
      case 'Broken': // a 500, a 503, then fine
        if (n === 1) { res.writeHead(500); return res.end('<html>Internal Server Error</html>'); }
        if (n === 2) { res.writeHead(503); return res.end(); }
        return json(200, tagsBody([['pop', 41], ['rock', 35]]));
      case 'Garbage': // never valid JSON
        return json(200, '{"toptags": {"tag": [ {"name": "rock", "cou');
      case 'Limited': // last.fm error 29 once
        if (n === 1) return json(200, JSON.stringify({ error: 29, message: 'Rate Limit Exceded' }));
        return json(200, tagsBody([['country', 12]]));
      case 'Unknown': // last.fm error 6
        return json(200, JSON.stringify({ error: 6, message: 'Track not found', links: [] }));
      case 'Single': // one tag comes as an object, not a list
        return json(200, JSON.stringify({ toptags: { tag: { name: 'Reggae', count: 100 }, '@attr': {} } }));
      case 'Untagged':
        return json(200, JSON.stringify({ toptags: { '#text': '\n', '@attr': {} } }));
      case 'Forbidden':
        res.writeHead(403); return res.end('nope');
      default:
        return json(200, tagsBody([['rock', 100], ['Metal', 80]]));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  baseUrl = `http://127.0.0.1:${addr.port}/2.0/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const fast = { minIntervalMs: 2, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 1500, maxRetries: 3 }; // generous timeout: the machine may be busy

describe('LastfmClient against a faulty fake last.fm', () => {
  const events: LastfmEvent[] = [];
  const cacheFile = join(dir, 'cache.jsonl');

  it('survives timeouts, 429, 5xx, error 29; reports not-found; parses odd shapes', async () => {
    const lf = new LastfmClient({ apiKey: KEY, baseUrl, cacheFile, onEvent: (e) => events.push(e), ...fast });
    expect(await lf.getTopTags('Slow', 'A')).toEqual({ status: 'ok', tags: [{ name: 'jazz', count: 100 }] });
    expect(await lf.getTopTags('Busy', 'B')).toEqual({ status: 'ok', tags: [{ name: 'Hip Hop', count: 90 }, { name: 'rap', count: 100 }] });
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
      'timed out after 1500 ms', 'HTTP 429', 'HTTP 429', 'HTTP 500', 'HTTP 503', 'last.fm error 29 (Rate Limit Exceded)',
    ]);
    // Exponential backoff: delays double per attempt, capped.
    expect(events.filter((e) => e.type === 'retry' && e.artist === 'Busy').map((e) => (e as { delayMs: number }).delayMs)).toEqual([5, 10]);
    // The request carries the documented parameters.
    const q = queries.find((x) => x.get('artist') === 'Single')!;
    expect(q.get('track')).toBe('F');
    expect(q.get('autocorrect')).toBe('1');
  });

  it('gives up on garbage JSON after maxRetries, and does not cache the failure', async () => {
    const lf = new LastfmClient({ apiKey: KEY, baseUrl, cacheFile, ...fast });
    await expect(lf.getTopTags('Garbage', 'H')).rejects.toThrow(/failed after 4 attempts: response is not JSON/);
    expect(seen.get('Garbage')).toBe(4);
    expect(lf.cached('Garbage', 'H')).toBeUndefined();
  });

  it('does not retry a permanent HTTP error', async () => {
    const lf = new LastfmClient({ apiKey: KEY, baseUrl, ...fast });
    await expect(lf.getTopTags('Forbidden', 'I')).rejects.toThrow(/HTTP 403/);
    expect(seen.get('Forbidden')).toBe(1);
  });

  it('a rerun asks nothing twice: every answer (ok and not-found) comes from the disk cache', async () => {
    const before = queries.length;
    const lf = new LastfmClient({ apiKey: KEY, baseUrl, cacheFile, ...fast });
    for (const [a, t] of [['Slow', 'A'], ['busy', 'b '], ['Broken', 'C'], ['Unknown', 'E'], ['Untagged', 'G']]) {
      await lf.getTopTags(a, t);
    }
    expect(queries.length).toBe(before);
    expect(lf.cacheHits).toBe(5);
    expect(lf.requests).toBe(0);
  });

  it('never writes the API key to the cache, events or error messages', async () => {
    expect(readFileSync(cacheFile, 'utf8')).not.toContain(KEY);
    expect(JSON.stringify(events)).not.toContain(KEY);
    const wrong = new LastfmClient({ apiKey: KEY + 'x', baseUrl, ...fast });
    const err = await wrong.getTopTags('Anyone', 'J').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LastfmError);
    expect((err as LastfmError).code).toBe(10);
    expect((err as Error).message).toMatch(/last.fm error 10: Invalid API key/);
    expect((err as Error).message).not.toContain(KEY);
    const dead = new LastfmClient({ apiKey: KEY, baseUrl: 'http://127.0.0.1:1/', ...fast, maxRetries: 1 });
    const err2 = await dead.getTopTags('Nobody', 'K').catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/failed after 2 attempts: network error/);
    expect((err2 as Error).message).not.toContain(KEY);
    expect(String((err2 as Error).stack)).not.toContain(KEY);
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
    const lf = new LastfmClient({ apiKey: KEY, baseUrl, ...fast, maxRetries: 1 });
    const tracks = [
      { trackId: 'T1', artist: 'Busy', title: 'B' }, { trackId: 'T2', artist: 'Unknown', title: 'E' },
      { trackId: 'T3', artist: 'Untagged', title: 'G' }, { trackId: 'T4', artist: 'Garbage', title: 'H' },
      { trackId: 'T5', artist: 'Someone', title: 'L' }, { trackId: 'T6', artist: '', title: 'M' },
    ];
    const r = await labelFromLastfm(tracks, lf);
    expect(Object.fromEntries(r.labels)).toEqual({ T1: 'rap', T5: 'rock' });
    expect(r.counts).toEqual({ tracks: 6, labelled: 2, noMatchingTag: 1, notFound: 1, failed: 2 });
    const seed = await labelFromLastfm(tracks.slice(0, 1), lf, { rule: 'seed' });
    expect(seed.labels.get('T1')).toBe('rap'); // last of ["Hip Hop", "rap"] in the 17, "Hip Hop" isn't (case/space)
    const bad = new LastfmClient({ apiKey: 'nope', baseUrl, ...fast });
    await expect(labelFromLastfm(tracks, bad)).rejects.toThrow(/Invalid API key/);
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
