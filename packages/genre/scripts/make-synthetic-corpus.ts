// Writes a SYNTHETIC MSD-format corpus and prints how long it took. Usage (from the repo root):
//   npx tsx --conditions=source packages/genre/scripts/make-synthetic-corpus.ts <dir> [songs=600] [seed=42] [contiguous|chunked]
import { generateSyntheticCorpus } from '../src/index.js';

const [dir, songs = '600', seed = '42', storage = 'contiguous'] = process.argv.slice(2);
if (dir === undefined || (storage !== 'contiguous' && storage !== 'chunked')) {
  console.error('usage: make-synthetic-corpus.ts <dir> [songs=600] [seed=42] [contiguous|chunked]');
  process.exit(2);
}
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const corpus = await generateSyntheticCorpus({ dir, songs: Number(songs), seed: Number(seed), storage });
const cpu = process.cpuUsage(cpu0);
console.log(
  `${corpus.files.length} synthetic songs by ${corpus.artists} artists in ${corpus.genres.length} genres ` +
    `(${corpus.genres.join(', ')}) -> ${dir}, labels ${corpus.labelsPath}`,
);
console.log(`${((performance.now() - t0) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (${storage})`);
