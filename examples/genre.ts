// The genre pipeline end to end — `npm run genre`.
//   Default: a seeded SYNTHETIC MSD-format corpus (made by timbre's own HDF5 writer) → extract → labels
//   → preprocess → train (MLP on @timbre/nn, several seeds) → evaluate → HTML report, in runs/genre/.
//   Real data: npm run genre -- --msd <MillionSongSubset/data> --labels <msd_tagtraum_cd1.cls> [--out runs/real]
//   Other flags: --songs N (synthetic corpus size), --seed N, --preset default|original, --seeds 1,2,3, --epochs N,
//   --features SPEC, --min-class-count N, --jobs N (seeds trained at once; default: the number of cores).
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatMeanStd, generateSyntheticCorpus, runPipeline } from '@timbre/genre';

const { values: args } = parseArgs({
  options: {
    msd: { type: 'string' },
    labels: { type: 'string' },
    out: { type: 'string' },
    songs: { type: 'string', default: '500' },
    seed: { type: 'string', default: '7' },
    preset: { type: 'string', default: 'default' },
    seeds: { type: 'string', default: '1,2,3' },
    epochs: { type: 'string' },
    features: { type: 'string', default: 'auto' },
    'min-class-count': { type: 'string', default: '10' },
    jobs: { type: 'string', default: String(availableParallelism()) },
  },
});

const real = args.msd !== undefined;
if (real && args.labels === undefined) {
  console.error('genre: --msd needs --labels (a tagtraum .cls file or last.fm JSON); see README');
  process.exit(1);
}
const out = resolve(args.out ?? (real ? 'runs/genre-real' : 'runs/genre'));
const seeds = args.seeds.split(',').map(Number);
const t0 = performance.now();
const secs = () => ((performance.now() - t0) / 1000).toFixed(1);

let msd = args.msd,
  labels = args.labels;
if (!real) {
  // A seeded synthetic corpus, regenerated only when its settings change.
  const dir = join(out, 'synthetic-corpus');
  const stamp = join(dir, 'corpus.json');
  const want = JSON.stringify({ songs: Number(args.songs), seed: Number(args.seed) });
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
    console.log(`[${secs()}s] generating a SYNTHETIC MSD-format corpus: ${args.songs} songs, seed ${args.seed} → ${dir}`);
    const corpus = await generateSyntheticCorpus({ dir, songs: Number(args.songs), seed: Number(args.seed) });
    mkdirSync(dir, { recursive: true });
    writeFileSync(stamp, want);
    console.log(`[${secs()}s]   ${corpus.files.length} .h5 files, ${corpus.artists} artists, genres: ${corpus.genres.join(', ')}`);
  } else {
    console.log(`[${secs()}s] reusing the SYNTHETIC corpus in ${dir}`);
  }
  msd = join(dir, 'data');
  labels = join(dir, 'labels.cls');
}

const r = await runPipeline({
  msd: msd!,
  labels: labels!,
  out,
  synthetic: !real,
  preset: args.preset,
  seeds,
  features: args.features,
  minClassCount: Number(args['min-class-count']),
  jobs: Number(args.jobs),
  ...(args.epochs ? { overrides: { epochs: Number(args.epochs) } } : {}),
  command: `npm run genre${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  onStep: (s) => console.log(`[${secs()}s] ${s}`),
  onSeedDone: (run) =>
    console.log(
      `[${secs()}s]   seed ${run.seed}: test accuracy ${(run.test.accuracy * 100).toFixed(1)} %, macro-F1 ${(run.test.macroF1 * 100).toFixed(1)} % (${run.history.epochsRun} epochs, best ${run.history.bestEpoch})`,
    ),
}).catch((e: unknown) => {
  console.error(`genre: ${(e as Error).message ?? String(e)}`);
  process.exit(1);
});

const tag = r.synthetic ? ' [SYNTHETIC data]' : '';
console.log(
  `\nResult${tag}: ${r.preprocess.kept} songs, ${r.classNames.length} genres, artist-disjoint split ` +
    `(train ${r.preprocess.split.train} / valid ${r.preprocess.split.valid} / test ${r.preprocess.split.test})`,
);
const what = r.ensemble > 1 ? `${r.preset} preset (seed ensemble of ${r.ensemble} MLPs)` : `${r.preset} MLP`;
console.log(`  ${what} over ${seeds.length} seeds: accuracy ${formatMeanStd(r.summary.accuracy)} %, macro-F1 ${formatMeanStd(r.summary.macroF1)} %`);
console.log(`  majority class: accuracy ${formatMeanStd(r.summary.baselineAccuracy)} %, macro-F1 ${formatMeanStd(r.summary.baselineMacroF1)} %`);
const saved = r.savedModel;
console.log(
  saved.fit !== undefined
    ? `  saved model: fit on all ${saved.fit.rows} labelled songs${saved.fit.epochs !== undefined ? ` for ${saved.fit.epochs} epochs` : ''} (${saved.fit.from}); reloads ${saved.reloadsIdentically ? 'with identical' : 'with DIFFERENT'} predictions`
    : `  saved model reloaded from disk scores ${(saved.test!.accuracy * 100).toFixed(1)} % on its test split`,
);
if (r.extract && r.extract.errors.length > 0) console.log(`  ${r.extract.errors.length} .h5 files skipped (unreadable)`);
for (const [k, v] of Object.entries(r.files)) console.log(`  ${k.padEnd(12)} ${v}`);
console.log(`done in ${secs()} s — open ${r.files.report} in a browser`);
