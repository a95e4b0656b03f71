// Progress bars for long CLI steps (cli-progress on stderr), silent with --json or without a TTY.
import cliProgress from 'cli-progress';

/** A bar that does nothing when disabled, so callers never branch. */
export interface Bar {
  start(total: number, label: string): void;
  update(value: number, extra?: string): void;
  stop(): void;
}

/** A progress bar on stderr; disabled when `enabled` is false or stderr is not a terminal. */
export function makeBar(enabled: boolean): Bar {
  if (!enabled || !process.stderr.isTTY) return { start() {}, update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: '{label} |{bar}| {value}/{total} {extra} eta {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    start(total, label) {
      if (running) bar.stop();
      bar.start(total, 0, { label, extra: '' });
      running = true;
    },
    update(value, extra = '') {
      if (running) bar.update(value, { extra });
    },
    stop() {
      if (running) {
        bar.stop();
        running = false;
      }
    },
  };
}
