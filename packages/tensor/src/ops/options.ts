// Options bags are checked like keyword arguments in PyTorch: an unknown key is an error that names it (and the known
// key it most likely meant: `keepdim` → `keepDim`), never silently ignored.

/** Throws a TypeError naming the first key of `options` that is not in `known`. */
export function expectKnownOptions(op: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: options must be an object, got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new TypeError(`${op}: unknown option '${key}'${near === null ? '' : ` (did you mean '${near}'?)`}; known options: ${known.join(', ')}`);
  }
}

/** The known key equal to `key` up to case and underscores, else the one within edit distance 2, else null. */
function closest(key: string, known: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/_/g, '');
  const k = norm(key);
  let best: string | null = null, bestD = 3;
  for (const c of known) {
    const d = norm(c) === k ? 0 : editDistance(k, norm(c));
    if (d < bestD) { best = c; bestD = d; }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
