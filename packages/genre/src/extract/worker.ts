// Extraction worker: reads a batch of MSD files and writes one part file (JSON lines, atomically)
// with the SongCSV and extended cells of every song, or the reason a file was skipped.
// Protocol: in {batch, files, part}; out {type:'file', songs} per file, then {type:'done', batch, songs, errors}.

import { parentPort, workerData } from 'node:worker_threads';
import { writeFileAtomic } from '../io/atomic.js';
import { readSongs } from '../msd/reader.js';
import { extendedCells, songCsvCells } from './rows.js';
import type { InputFile } from './files.js';

/** A task sent to a worker. */
export interface BatchTask {
  readonly batch: number;
  readonly files: readonly InputFile[];
  readonly part: string;
}

/** A read-only task (MsdReadPool): read every field of every song, write nothing. */
export interface ReadTask {
  readonly read: readonly string[];
}

/** Messages a worker sends back. */
export type WorkerMessage =
  | { readonly type: 'file'; readonly songs: number; readonly ok: boolean }
  | { readonly type: 'done'; readonly batch: number; readonly songs: number; readonly errors: number }
  | { readonly type: 'read'; readonly songs: number; readonly errors: string[]; readonly checksum: number };

/** Reads every song of every file (all getters); returns a checksum so the work cannot be skipped. */
export function readAll(paths: readonly string[]): { songs: number; errors: string[]; checksum: number } {
  let songs = 0, checksum = 0;
  const errors: string[] = [];
  for (const p of paths) {
    try {
      for (const s of readSongs(p)) {
        songs++;
        checksum += s.segments_timbre.rows + s.artist_terms.length + s.title.length + s.duration;
      }
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  return { songs, errors, checksum };
}

/** Processes one batch; exported so the main thread can run it inline (workers: 0) or in tests. */
export function runBatch(task: BatchTask, onFile?: (songs: number, ok: boolean) => void): { songs: number; errors: number } {
  const lines: string[] = [];
  let songs = 0, errors = 0;
  for (const f of task.files) {
    let n = 0, ok = true;
    try {
      const list = readSongs(f.path);
      if (list.length === 0) throw new Error(`msd: ${f.path}: holds no songs`);
      const rows = list.map((s, i) => JSON.stringify({ f: f.rel, i, s: songCsvCells(s), x: extendedCells(s, f.rel, i) }));
      for (const r of rows) lines.push(r);
      n = list.length;
    } catch (e) {
      ok = false;
      errors++;
      lines.push(JSON.stringify({ f: f.rel, e: e instanceof Error ? e.message : String(e) }));
    }
    songs += n;
    onFile?.(n, ok);
  }
  // the part exists only once complete: it is the journal entry
  writeFileAtomic(task.part, lines.length > 0 ? lines.join('\n') + '\n' : '');
  return { songs, errors };
}

// Only when started as an extraction worker (this module is also imported by the main thread,
// which may itself be a worker, e.g. under a test runner).
if (parentPort !== null && (workerData as { msdExtractWorker?: boolean } | null)?.msdExtractWorker === true) {
  const port = parentPort;
  port.on('message', (task: BatchTask | ReadTask) => {
    if ('read' in task) {
      port.postMessage({ type: 'read', ...readAll(task.read) } satisfies WorkerMessage);
      return;
    }
    const r = runBatch(task, (songs, ok) => port.postMessage({ type: 'file', songs, ok } satisfies WorkerMessage));
    port.postMessage({ type: 'done', batch: task.batch, songs: r.songs, errors: r.errors } satisfies WorkerMessage);
  });
}
