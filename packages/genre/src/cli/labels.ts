// `timbre labels`: a label file (track_id<TAB>genre) from last.fm, last.fm JSON or a tagtraum .cls file.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { listMsdFiles } from '../extract/files.js';
import { LastfmClient, lastfmFlagOptions } from '../labels/lastfm.js';
import { labelFromLastfm, readLabels, writeLabelFile, type LabelResult, type TrackRef } from '../labels/label.js';
import { readSongs } from '../msd/reader.js';
import { readSongTable } from '../preprocess/table.js';
import { float, int, print, ruleOptions, type Globals } from './options.js';
import { makeBar } from './progress.js';

/** Adds `labels` to the program. */
export function addLabelsCommand(program: Command): void {
  program
    .command('labels')
    .description('make a label file (track_id<TAB>genre) from last.fm, last.fm JSON or tagtraum .cls')
    .option('--songs <path>', 'songs to label: a song table CSV or a folder of .h5 files (needed for --lastfm)')
    .option('--lastfm', 'ask the last.fm API (track.getTopTags) for each song')
    .option('--lastfm-json <path>', 'offline last.fm tags: lastfm_subset .json file or folder')
    .option('--tagtraum <path>', 'a tagtraum .cls file')
    .option('--rule <rule>', "tag → genre rule: top-count (default) or original (the original project's rule: the last matching tag among its 17)")
    .option('--vocabulary <json>', 'genre vocabulary: ["rock", …] or {"genres": […], "aliases": {"hip hop": "hip-hop"}}')
    .option('--min-count <n>', 'minimum tag count for the top-count rule', int('--min-count'))
    .option('--lastfm-key <key>', 'last.fm API key (default: $LASTFM_API_KEY; never logged or stored)')
    .option('--base-url <url>', 'last.fm API endpoint', 'https://ws.audioscrobbler.com/2.0/')
    .option('--cache <file>', 'on-disk cache of last.fm answers (JSON lines)', '.cache/lastfm.jsonl')
    .option('--rate <perSecond>', 'maximum last.fm requests per second (0.01 to 100; last.fm asks for at most 5)', float('--rate'), 4)
    .option('--timeout <seconds>', 'per-request timeout', float('--timeout'), 15)
    .option('--retries <n>', 'retries per track after the first attempt', int('--retries'), 5)
    .option('--track-budget <seconds>', 'total time per track, retries and waits included', float('--track-budget'), 60)
    .requiredOption('-o, --output <file>', 'label file to write')
    .action(async (o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const sources = [o.lastfm, o.lastfmJson, o.tagtraum].filter((s) => s !== undefined);
      if (sources.length !== 1) throw new Error('give exactly one of --lastfm, --lastfm-json or --tagtraum');
      const rule = ruleOptions(o);
      let res: LabelResult;
      if (o.lastfm) {
        if (!o.songs) throw new Error('--lastfm needs --songs (a song table or a folder of .h5 files)');
        // Ctrl-C / SIGTERM end the lookups at once; answers so far stay cached and no label file is written.
        const stop = new AbortController();
        const onSignal = (sig: NodeJS.Signals) => stop.abort(sig);
        const client = new LastfmClient({
          ...(o.lastfmKey ? { apiKey: o.lastfmKey } : {}),
          baseUrl: o.baseUrl,
          cacheFile: o.cache,
          signal: stop.signal,
          ...lastfmFlagOptions({ rate: o.rate, timeout: o.timeout, retries: o.retries, trackBudget: o.trackBudget }),
        });
        const tracks = await loadTrackRefs(o.songs);
        const bar = makeBar(!json);
        bar.start(tracks.length, 'last.fm');
        process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
        try {
          res = await labelFromLastfm(tracks, client, { ...rule, onProgress: (d) => bar.update(d, `${client.cacheHits} cached`) });
        } finally {
          process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
          bar.stop();
        }
      } else {
        res = await readLabels(o.lastfmJson ?? o.tagtraum, rule);
        if (o.songs) {
          const ids = new Set((await loadTrackRefs(o.songs)).map((t) => t.trackId));
          for (const id of [...res.labels.keys()]) if (!ids.has(id)) res.labels.delete(id);
        }
      }
      writeLabelFile(o.output, res.labels, `genre labels (${o.lastfm ? 'last.fm API' : (o.lastfmJson ?? o.tagtraum)}; rule ${rule.rule ?? 'top-count'})`);
      const counts: Record<string, number> = {};
      for (const g of res.labels.values()) counts[g] = (counts[g] ?? 0) + 1;
      print(
        json,
        `wrote ${res.labels.size} labels to ${o.output}\n` +
          Object.entries(res.counts)
            .map(([k, v]) => `  ${k}: ${v}`)
            .join('\n') +
          '\n' +
          Object.entries(counts)
            .sort((a, b) => b[1] - a[1])
            .map(([g, n]) => `  ${g}: ${n}`)
            .join('\n'),
        { output: o.output, counts: res.counts, genres: counts, failures: res.failures },
      );
    });
}

/** Track references (id, artist, title) from a song table or a folder of .h5 files. */
async function loadTrackRefs(path: string): Promise<TrackRef[]> {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new Error(`--songs ${path}: no such file or directory`);
  }
  if (isDir || path.endsWith('.h5')) {
    const out: TrackRef[] = [];
    for (const { path: f } of listMsdFiles(path)) for (const s of readSongs(f)) out.push({ trackId: s.track_id, artist: s.artist_name, title: s.title });
    return out;
  }
  const t = await readSongTable(path);
  const [ti, ai, tt] = ['track_id', 'artist_name', 'title'].map((c) => t.columns.indexOf(c));
  if (ti < 0 || ai < 0 || tt < 0)
    throw new Error(`--songs ${path}: needs track_id, artist name and title columns (has ${t.columns.slice(0, 12).join(', ')}, …)`);
  return t.rows.map((r) => ({ trackId: r[ti], artist: r[ai], title: r[tt] }));
}
