// `timbre extract`: an MSD tree of .h5 files → SongCSV.csv, the extended CSV and the errors CSV.
// Ctrl-C stops the workers; finished batches stay in the work directory and the same command resumes.

import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { extractMsd } from '../extract/extract.js';
import { parseShard } from '../extract/files.js';
import { intAtLeast } from './options.js';

/**
 * Adds `extract <msd-dir>` to a commander program.
 *
 * @example
 * const program = new Command('timbre');
 * addExtractCommand(program);
 * await program.parseAsync(process.argv);
 */
export function addExtractCommand(program: Command): void {
  program
    .command('extract')
    .description(
      'read every .h5 file under <msd-dir> (e.g. MillionSongSubset/data) and write SongCSV.csv, ' +
        'an extended CSV (every scalar + timbre/pitch means and variances) and an errors CSV of skipped files',
    )
    .argument('<msd-dir>', 'directory of MSD .h5 files (any depth), or one .h5 file')
    .option('-o, --output <csv>', 'SongCSV output', 'SongCSV.csv')
    .option('--extended <csv>', 'extended CSV (default: <output>.extended.csv)')
    .option('--errors <csv>', 'skipped files with the reason (default: <output>.errors.csv)')
    .option('-j, --workers <n>', `worker threads (default: cores = ${availableParallelism()}; 0 = main thread)`, intAtLeast('--workers', 0))
    .option(
      '--shard <i/n>',
      'process shard i of n (stable hash of the relative path); "/n" takes i from ' +
        'JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm array); outputs get ".shard-iiii-of-nnnn"',
    )
    .option('--batch-size <n>', 'files per batch, the unit of resumption', intAtLeast('--batch-size', 1), 32)
    .option('--work-dir <dir>', 'where an unfinished run keeps its parts (default: <output>.work)')
    .option('--restart', 'discard the parts of an interrupted run instead of resuming it')
    .option('--keep-work', 'keep the work directory after success')
    .option('-q, --quiet', 'no progress bar')
    .action(
      async (
        dir: string,
        o: {
          output: string;
          extended?: string;
          errors?: string;
          workers?: number;
          shard?: string;
          batchSize: number;
          workDir?: string;
          restart?: boolean;
          keepWork?: boolean;
          quiet?: boolean;
        },
        cmd: Command,
      ) => {
        const json = (cmd.optsWithGlobals() as { json?: boolean }).json === true;
        const ac = new AbortController();
        const onSigint = (): void => ac.abort();
        process.once('SIGINT', onSigint);
        try {
          const r = await extractMsd({
            input: dir,
            output: o.output,
            extendedOutput: o.extended,
            errorsOutput: o.errors,
            workers: o.workers,
            shard: o.shard === undefined ? null : parseShard(o.shard),
            batchSize: o.batchSize,
            workDir: o.workDir,
            restart: o.restart === true,
            keepWork: o.keepWork === true,
            progress: o.quiet !== true && !json && process.stderr.isTTY === true,
            signal: ac.signal,
          });
          if (r.staleLock !== null && !json)
            process.stderr.write(
              `extract: took over the lock of a run that is gone (pid ${r.staleLock.pid} on ${r.staleLock.hostname}, started ${r.staleLock.started})\n`,
            );
          if (json) {
            process.stdout.write(JSON.stringify({ ...r, errors: r.errors.length }) + '\n');
          } else {
            process.stdout.write(
              `extract: ${r.songs} songs from ${r.files - r.errors.length}/${r.files} files` +
                (r.resumedBatches > 0 ? ` (resumed ${r.resumedBatches} finished batches)` : '') +
                `\n  ${r.output}\n  ${r.extendedOutput}\n  ${r.errorsOutput} (${r.errors.length} skipped)\n`,
            );
          }
          if (r.files > 0 && r.errors.length === r.files) process.exitCode = 1; // nothing readable
        } finally {
          process.off('SIGINT', onSigint);
        }
      },
    );
}
