// `timbre merge`: sharded extract outputs → one SongCSV, extended CSV and errors CSV, identical to an unsharded run.
import type { Command } from 'commander';
import { mergeShards } from '../extract/merge.js';

/** Adds `merge` to the program. */
export function addMergeCommand(program: Command): void {
  program
    .command('merge')
    .description('join sharded extract outputs (NAME.shard-iiii-of-nnnn.csv, .extended.csv, .errors.csv) into one set, ' + 'identical to an unsharded run')
    .argument('<shard-outputs...>', 'shard SongCSV files, or directories holding them')
    .option('-o, --output <csv>', 'merged SongCSV (extended and errors CSVs go next to it)', 'SongCSV.csv')
    .action(async (inputs: string[], o: { output: string }, cmd: Command) => {
      const r = await mergeShards(inputs, o.output);
      if ((cmd.optsWithGlobals() as { json?: boolean }).json === true) process.stdout.write(JSON.stringify(r) + '\n');
      else
        process.stdout.write(
          `merge: ${r.songs} songs from ${r.shards} shards (${r.errors} skipped files)\n  ${r.output}\n  ${r.extendedOutput}\n  ${r.errorsOutput}\n`,
        );
    });
}
