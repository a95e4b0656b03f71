// Runs the `timbre` CLI in-process for tests, capturing what it writes.
import { vi } from 'vitest';
import { main } from '../src/cli/main.js';

/** Runs `timbre ...args`; returns the exit code and everything written to stdout and stderr. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '',
    err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    return { code: await main(['node', 'timbre', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
