// `timbre predict`: label new songs (MSD .h5 files or folders, or song table CSVs) with a saved model. Predictions
// stream through in batches: to the CSV, to stdout, or into the --json object, so memory holds one batch.
import { once } from 'node:events';
import type { Command } from 'commander';
import { CsvWriter } from '../io/csv.js';
import { loadGenreModel } from '../pipeline/model-file.js';
import type { Prediction } from '../pipeline/predict.js';
import { predictInputsStream } from '../pipeline/predict-stream.js';
import { intAtLeast, type Globals } from './options.js';
import { makeBar } from './progress.js';

/** Adds `predict` to the program. */
export function addPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('label new songs: MSD .h5 files/folders or song table CSVs')
    .argument('<model>', 'model .json')
    .argument('<inputs...>', '.h5 files, folders of them, or CSV song tables')
    .option('-o, --output <csv>', 'write predictions to a CSV')
    .option(
      '--explain [k]',
      "name the k feature groups that moved each prediction most (default 3): the change in the genre's probability when the group takes its training median",
      intAtLeast('--explain', 1),
    )
    .action(async (modelPath: string, inputs: string[], o, cmd: Command) => {
      const { json } = cmd.optsWithGlobals<Globals>();
      const { classifier, meta } = loadGenreModel(modelPath);
      const explain = o.explain === true ? 3 : ((o.explain as number | undefined) ?? 0);
      const synthetic = (meta.info as { synthetic?: boolean } | undefined)?.synthetic === true;
      const out = o.output
        ? new CsvWriter(o.output, ['track_id', 'artist', 'title', 'genre', 'probability', 'reason', ...(o.explain ? ['explanation'] : [])])
        : null;
      const view = json ? new JsonView(synthetic) : new TextView(synthetic, o.output as string | undefined);
      const bar = makeBar(!json);
      let errors;
      try {
        ({ errors } = await predictInputsStream(
          classifier,
          meta,
          inputs,
          async (batch) => {
            if (out !== null) {
              for (const p of batch) {
                await out.write([
                  p.trackId,
                  p.artist,
                  p.title,
                  p.genre ?? '',
                  Number.isFinite(p.probability) ? p.probability.toFixed(4) : '',
                  p.reason ?? (p.imputed ? `imputed: ${p.imputed.join(', ')}` : ''),
                  ...(o.explain ? [because(p.explanation)] : []),
                ]);
              }
            }
            await view.add(batch);
          },
          {
            explain,
            onFile: (d, t) => {
              if (d === 1) bar.start(t, 'reading .h5');
              bar.update(d);
            },
          },
        ));
        if (out !== null) await out.close();
      } catch (e) {
        await out?.discard();
        throw e;
      } finally {
        bar.stop();
      }
      out?.commit();
      view.end(errors);
    });
}

/** Counts of imputed groups over every prediction, for the closing summary. */
class Imputed {
  readonly counts = new Map<string, number>();
  total = 0;

  add(batch: readonly Prediction[]): void {
    this.total += batch.length;
    for (const p of batch) for (const g of p.imputed ?? []) this.counts.set(g, (this.counts.get(g) ?? 0) + 1);
  }

  /** "imputed timbre (training medians) for 12 of 40 songs" lines, one per group or field. */
  lines(): string[] {
    return [...this.counts].map(([g, n]) => `imputed ${g} (training medians) for ${n} of ${this.total} songs`);
  }
}

/** One text line per prediction. */
function predictionLine(p: Prediction): string {
  return (
    `${p.trackId}\t${p.genre ?? '?'}\t${Number.isFinite(p.probability) ? p.probability.toFixed(3) : p.reason}\t${p.artist} — ${p.title}` +
    (p.explanation ? `\n\t  because of ${because(p.explanation)}` : '')
  );
}

/**
 * The human output: with -o the first 10 predictions and a count once all are written; without, every
 * prediction as it comes (the lines `print` would give for the whole list).
 */
class TextView {
  readonly #synthetic: boolean;
  readonly #output: string | undefined;
  readonly #imputed = new Imputed();
  readonly #shown: Prediction[] = [];
  #started = false;

  constructor(synthetic: boolean, output: string | undefined) {
    this.#synthetic = synthetic;
    this.#output = output;
  }

  #write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    this.#started = true;
    return writeOut(lines.join('\n') + '\n');
  }

  async add(batch: readonly Prediction[]): Promise<void> {
    this.#imputed.add(batch);
    if (this.#output !== undefined) {
      for (let i = 0; i < batch.length && this.#shown.length < 10; i++) this.#shown.push(batch[i]);
      return;
    }
    if (batch.length === 0) return;
    await this.#write([...(this.#synthetic && !this.#started ? ['(model trained on SYNTHETIC data)'] : []), ...batch.map(predictionLine)]);
  }

  end(errors: readonly { file: string; reason: string }[]): void {
    const head = this.#synthetic && !this.#started ? ['(model trained on SYNTHETIC data)'] : [];
    const lines = [
      ...head,
      ...this.#shown.map(predictionLine),
      ...(this.#output !== undefined ? [`… ${this.#imputed.total} predictions written to ${this.#output}`] : []),
      ...errors.map((e) => `skipped ${e.file}: ${e.reason}`),
      ...this.#imputed.lines(),
    ];
    if (lines.length === 0 && !this.#started) process.stdout.write('\n');
    else void this.#write(lines);
  }
}

/** Writes to stdout, waiting while its buffer is full (a slow reader of a streamed output holds it back). */
async function writeOut(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

const finite = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** The --json output, `{ synthetic, predictions, errors }` as `print` writes it, with the predictions streamed. */
class JsonView {
  readonly #synthetic: boolean;
  #n = 0;

  constructor(synthetic: boolean) {
    this.#synthetic = synthetic;
  }

  async add(batch: readonly Prediction[]): Promise<void> {
    if (batch.length === 0) return;
    const parts: string[] = [];
    if (this.#n === 0) parts.push(`{\n "synthetic": ${this.#synthetic},\n "predictions": [`);
    for (const p of batch) parts.push((this.#n++ === 0 ? '\n  ' : ',\n  ') + JSON.stringify(p, finite, 1).replace(/\n/g, '\n  '));
    await writeOut(parts.join(''));
  }

  end(errors: readonly { file: string; reason: string }[]): void {
    const head = this.#n === 0 ? `{\n "synthetic": ${this.#synthetic},\n "predictions": []` : '\n ]';
    process.stdout.write(`${head},\n "errors": ${JSON.stringify(errors, finite, 1).replace(/\n/g, '\n ')}\n}\n`);
  }
}

/** "timbre_mean (+0.31), loudness (−0.12)": the groups and their effects on the predicted genre's probability. */
function because(explanation: readonly { feature: string; effect: number }[] | undefined): string {
  return (explanation ?? []).map((e) => `${e.feature} (${e.effect >= 0 ? '+' : '−'}${Math.abs(e.effect).toFixed(2)})`).join(', ');
}
