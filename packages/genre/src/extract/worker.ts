// Extraction worker: reads a batch of MSD files and writes one part file (JSON lines, atomically)
// with the SongCSV and extended cells of every song, or the reason a file was skipped.

import { writeFileAtomic } from '@timbre/nn';
import { readSongs } from '../msd/reader.js';
import { serveJobs } from '../parallel/pool.js';
import { extendedCells, songCsvCells } from './rows.js';
import type { InputFile } from './files.js';

/** A task sent to a worker. */
export interface BatchTask {
  readonly batch: number;
  readonly files: readonly InputFile[];
  readonly part: string;
}

/** Progress of a batch: one message per file. */
export interface FileDone {
  readonly songs: number;
  readonly ok: boolean;
}

/** What reading a batch of files (MsdReadPool) gives. */
export interface ReadResult {
  songs: number;
  errors: string[];
  checksum: number;
}

/** Reads every song of every file (all getters); returns a checksum so the work cannot be skipped. */
export function readAll(paths: readonly string[]): ReadResult {
  let songs = 0,
    checksum = 0;
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
  let songs = 0,
    errors = 0;
  for (const f of task.files) {
    let n = 0,
      ok = true;
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

// In a pool's worker thread: extraction batches ('extract') or read-only batches ('msd-read').
serveJobs<BatchTask, { songs: number; errors: number }, FileDone>('extract', (task, progress) => runBatch(task, (songs, ok) => progress({ songs, ok })));
serveJobs<readonly string[], ReadResult>('msd-read', (paths) => readAll(paths));
