// Key encoding and scaler, measured: the default MLP on tagtraum song-level fields (+ audio means),
// five artist-disjoint re-splits, for key one-hot / sin-cos / raw number and standard / min-max scaling.
//   npx tsx --conditions=source bench/accuracy/measure-encodings.ts [features] [seeds]
import { fileURLToPath } from 'node:url';
import { formatMeanStd, meanStd, preprocess, trainAndEvaluate, type KeyEncoding, type ScalerKind } from '@timbre/genre';

const data = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const features = process.argv[2] ?? 'song';
const seeds = Array.from({ length: Number(process.argv[3] ?? 5) }, (_, i) => i + 1);
const input = `${data}msd10k-tagtraum-cd1-joined/msd10k_tagtraum_cd1.csv`;
const joins = features.includes('timbre') || features === 'auto' ? [`${data}msd10k-timbre-pitch-means-mbgenre/final_song_level.csv`] : [];
for (const [keyEncoding, scaler] of [
  ['onehot', 'standard'],
  ['sincos', 'standard'],
  ['numeric', 'standard'],
  ['onehot', 'minmax'],
] as [KeyEncoding, ScalerKind][]) {
  const { data: prepared, report } = await preprocess({ input, joins, features, keyEncoding });
  const r = trainAndEvaluate(prepared, { preset: 'default', seeds, resplit: true, scaler });
  const valid = meanStd(r.runs.map((x) => x.valid!.macroF1));
  console.log(
    `${features} key ${keyEncoding.padEnd(8)} ${scaler.padEnd(8)} (${report.features.length} features): valid F1 ${formatMeanStd(valid)} | test acc ${formatMeanStd(r.summary.accuracy)} F1 ${formatMeanStd(r.summary.macroF1)}`,
  );
}
