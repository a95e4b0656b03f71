// `timbre preprocess`: song table + labels → preprocessed_data.csv (encoded features, genre, artist, split).
import { Option, type Command } from 'commander';
import { preprocessToFile } from '../preprocess/preprocess.js';
import type { KeyEncoding } from '../preprocess/features.js';
import { collect, float, int, print, ruleOptions, type Globals } from './options.js';

/** Adds `preprocess` to the program. */
export function addPreprocessCommand(program: Command): void {
  program
    .command('preprocess')
    .description('song table + labels → preprocessed_data.csv (encoded features, genre, artist, split)')
    .argument('<table>', 'SongCSV, extended CSV, tagtraum-joined CSV or MSD genre dataset text')
    .option('--labels <file>', 'label file (.cls) or last.fm JSON; optional if the table has a genre column')
    .option('--join <csv>', 'feature table joined on track_id/song_id (repeatable)', collect, [])
    .option('--features <spec>', 'auto | original6 | song | song,timbre,pitch | …', 'auto')
    .addOption(new Option('--key-encoding <enc>').choices(['onehot', 'sincos', 'numeric']).default('onehot'))
    .option('--min-class-count <n>', 'classes with fewer rows are dropped (or merged)', int('--min-class-count'), 10)
    .addOption(new Option('--rare <action>', 'what to do with rare classes').choices(['drop', 'merge']).default('drop'))
    .addOption(new Option('--split <kind>', 'artist-disjoint (default) or random split').choices(['artist', 'random']).default('artist'))
    .option('--valid <fraction>', 'validation fraction', float('--valid'), 0.15)
    .option('--test <fraction>', 'test fraction', float('--test'), 0.15)
    .option('--seed <n>', 'split seed', int('--seed'), 42)
    .option('--rule <rule>', 'tag rule for last.fm JSON labels')
    .option('--require <group>', 'drop rows missing this imputable group or field (timbre, pitch, year, …) instead of imputing it (repeatable)', collect, [])
    .option('-o, --output <file>', 'output CSV', 'preprocessed_data.csv')
    .action(async (table: string, o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const report = await preprocessToFile({
        input: table,
        ...(o.labels ? { labels: o.labels } : {}),
        labelRule: ruleOptions(o),
        joins: o.join,
        features: o.features,
        keyEncoding: o.keyEncoding as KeyEncoding,
        minClassCount: o.minClassCount,
        rareClasses: o.rare,
        split: o.split,
        validFraction: o.valid,
        testFraction: o.test,
        seed: o.seed,
        require: o.require,
        output: o.output,
      });
      const lines = [
        `wrote ${report.kept} rows × ${report.features.length} features to ${o.output} (${report.format} format, ${report.rowsRead} rows read)`,
        ...Object.entries(report.dropped).map(([r, n]) => `  dropped ${n}: ${r}`),
        ...Object.entries(report.imputed).map(([g, n]) => `  imputed ${g} for ${n} rows (training medians, flagged by ${g}_missing)`),
        ...(report.truncatedRows.count > 0
          ? [`  truncated rows (data-row numbers): ${report.truncatedRows.examples.join(', ')}${report.truncatedRows.count > 10 ? ', …' : ''}`]
          : []),
        ...report.rareClasses.map((r) => `  rare class ${r.action === 'drop' ? 'dropped' : 'merged'}: ${r.name} (${r.count})`),
        `  classes: ${report.classes.map((c) => `${c.name} ${c.count}`).join(', ')}`,
        `  split (${report.split.kind}, seed ${report.split.seed}): train ${report.split.train} / valid ${report.split.valid} / test ${report.split.test}, ${report.split.artists} artists`,
      ];
      print(json, lines.join('\n'), report);
    });
}
