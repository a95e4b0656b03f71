// How the `default` MLP preset was chosen: candidate settings on the real labelled sets, each over
// the same artist-disjoint re-splits (seeds 1..N). The choice is made on VALIDATION macro-F1 (test
// numbers are printed too, but not used to choose). Usage:
//   npx tsx --conditions=source bench/accuracy/measure-presets.ts [tagtraum|genre2] [seeds]
import { fileURLToPath } from 'node:url';
import { formatMeanStd, meanStd, preprocess, trainAndEvaluate, type MlpOptions } from '@timbre/genre';

const data = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const which = process.argv[2] ?? 'tagtraum';
const nSeeds = Number(process.argv[3] ?? 5);
const seeds = Array.from({ length: nSeeds }, (_, i) => i + 1);
const input = which === 'tagtraum' ? `${data}msd10k-tagtraum-cd1-joined/msd10k_tagtraum_cd1.csv` : `${data}msd-genre-2class-subset/msd_genre_dataset.txt`;
const joins = which === 'tagtraum' ? [`${data}msd10k-timbre-pitch-means-mbgenre/final_song_level.csv`] : [];
const { data: prepared, report } = await preprocess({ input, joins, features: process.argv[4] ?? 'auto' });
console.log(`${which}: ${report.kept} rows, ${report.classes.length} classes, ${report.features.length} features; seeds ${seeds.join(',')}`);

const candidates: [string, string, Partial<MlpOptions>][] = [
  ['default', 'default', {}],
  ['default, balanced weights', 'default', { classWeights: 'balanced' }],
  ['default, no class weights', 'default', { classWeights: 'none' }],
  ['default, no dropout', 'default', { dropout: 0 }],
  ['default, 256-128 dropout 0.5', 'default', { hidden: [256, 128], dropout: 0.5 }],
  ['default, 64 dropout 0.2', 'default', { hidden: [64], dropout: 0.2 }],
  ['default, 128-64-32', 'default', { hidden: [128, 64, 32] }],
  ['default, lr 3e-3', 'default', { lr: 0.003 }],
  ['default, weight decay 0.1', 'default', { weightDecay: 0.1 }],
  ['default, batch 64', 'default', { batchSize: 64 }],
];
const only = process.env.CANDIDATES?.split(',');
for (const [name, preset, overrides] of candidates) {
  if (only && !only.includes(name)) continue;
  const t0 = performance.now();
  const r = trainAndEvaluate(prepared, { preset, overrides, seeds, resplit: true });
  const valid = meanStd(r.runs.map((x) => x.valid!.macroF1));
  console.log(
    `${name.padEnd(32)} valid F1 ${formatMeanStd(valid)} | test acc ${formatMeanStd(r.summary.accuracy)} F1 ${formatMeanStd(r.summary.macroF1)} ` +
      `| majority ${formatMeanStd(r.summary.baselineAccuracy)} / ${formatMeanStd(r.summary.baselineMacroF1)} | ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}
