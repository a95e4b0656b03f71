// `timbre predict`: label new songs (MSD .h5 files or folders, or song table CSVs) with a saved model.
import type { Command } from 'commander';
import { writeCsvAtomic } from '../io/csv.js';
import { loadGenreModel } from '../pipeline/model-file.js';
import { predictInputs } from '../pipeline/predict.js';
import { intAtLeast, print, type Globals } from './options.js';
import { makeBar } from './progress.js';

/** Adds `predict` to the program. */
export function addPredictCommand(program: Command): void {
  program.command('predict')
    .description('label new songs: MSD .h5 files/folders or song table CSVs')
    .argument('<model>', 'model .json')
    .argument('<inputs...>', '.h5 files, folders of them, or CSV song tables')
    .option('-o, --output <csv>', 'write predictions to a CSV')
    .option('--explain [k]', 'name the k feature groups that moved each prediction most (default 3): the change in the genre\'s probability when the group takes its training median', intAtLeast('--explain', 1))
    .action(async (modelPath: string, inputs: string[], o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const { classifier, meta } = loadGenreModel(modelPath);
      const bar = makeBar(!json);
      let res;
      try {
        const explain = o.explain === true ? 3 : (o.explain as number | undefined) ?? 0;
        res = await predictInputs(classifier, meta, inputs, (d, t) => { if (d === 1) bar.start(t, 'reading .h5'); bar.update(d); }, { explain });
      } finally { bar.stop(); }
      if (o.output) {
        await writeCsvAtomic(o.output, ['track_id', 'artist', 'title', 'genre', 'probability', 'reason', ...(o.explain ? ['explanation'] : [])],
          res.predictions.map((p) => [p.trackId, p.artist, p.title, p.genre ?? '', Number.isFinite(p.probability) ? p.probability.toFixed(4) : '', p.reason ?? (p.imputed ? `imputed: ${p.imputed.join(', ')}` : ''),
            ...(o.explain ? [because(p.explanation)] : [])]));
      }
      const synthetic = (meta.info as { synthetic?: boolean } | undefined)?.synthetic === true;
      print(json, [
        ...(synthetic ? ['(model trained on SYNTHETIC data)'] : []),
        ...res.predictions.slice(0, o.output ? 10 : Infinity).map((p) => `${p.trackId}\t${p.genre ?? '?'}\t${Number.isFinite(p.probability) ? p.probability.toFixed(3) : p.reason}\t${p.artist} — ${p.title}` +
          (p.explanation ? `\n\t  because of ${because(p.explanation)}` : '')),
        ...(o.output ? [`… ${res.predictions.length} predictions written to ${o.output}`] : []),
        ...res.errors.map((e) => `skipped ${e.file}: ${e.reason}`),
        ...imputedSummary(res.predictions),
      ].join('\n'), { synthetic, predictions: res.predictions, errors: res.errors });
    });
}

/** "imputed: timbre for 12 of 40 songs" lines, one per group or field. */
function imputedSummary(predictions: readonly { imputed?: readonly string[] }[]): string[] {
  const counts = new Map<string, number>();
  for (const p of predictions) for (const g of p.imputed ?? []) counts.set(g, (counts.get(g) ?? 0) + 1);
  return [...counts].map(([g, n]) => `imputed ${g} (training medians) for ${n} of ${predictions.length} songs`);
}

/** "timbre_mean (+0.31), loudness (−0.12)": the groups and their effects on the predicted genre's probability. */
function because(explanation: readonly { feature: string; effect: number }[] | undefined): string {
  return (explanation ?? []).map((e) => `${e.feature} (${e.effect >= 0 ? '+' : '−'}${Math.abs(e.effect).toFixed(2)})`).join(', ');
}
