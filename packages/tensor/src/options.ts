// Options bags refuse keys they do not know, as PyTorch refuses an unexpected keyword argument: a misspelt
// option (weight_decay for weightDecay) would otherwise be ignored silently. Every public function and
// constructor in tensor and nn that takes an options object checks it here, once, before any work.

/**
 * Throws a TypeError naming `where`, the unknown key and the closest known one, if `options` has a key
 * outside `known`. `undefined` passes (no options). Allocation-free when every key is known.
 *
 * ```ts
 * checkOptions('Adam', { weight_decay: 0.5 }, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad']);
 * // TypeError: Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?)
 * ```
 */
export function checkOptions(where: string, options: object | undefined | null, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key in options) {
    if (known.indexOf(key) === -1) throw unknownOption(where, key, known);
  }
}

function unknownOption(where: string, key: string, known: readonly string[]): TypeError {
  const close = closest(key, known);
  const hint = close !== null ? `did you mean '${close}'?` : known.length === 0 ? 'it takes no options' : `known options: ${known.join(', ')}`;
  return new TypeError(`${where}: unknown option '${key}' (${hint})`);
}

/**
 * The known key nearest to `key`: one with the same letters ignoring case, `_` and `-` (snake_case for
 * camelCase); else, among keys within a third of the key's length in edits, or one spelling the other's
 * letters in order (transposeB, transB), or sharing the first four letters (reduce, reduction), the one
 * with the fewest edits. null when none is related.
 */
export function closest(key: string, known: readonly string[]): string | null {
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const k = norm(key);
  for (const c of known) if (norm(c) === k) return c;
  const limit = Math.max(1, Math.floor(key.length / 3));
  let best: string | null = null,
    bestD = Infinity;
  for (const c of known) {
    const n = norm(c),
      d = editDistance(k, n);
    const related =
      d <= limit ||
      (Math.min(n.length, k.length) >= 2 && n.slice(0, 2) === k.slice(0, 2) && (containsInOrder(k, n) || containsInOrder(n, k))) || // transposeB, transB
      (Math.min(n.length, k.length) >= 4 && n.slice(0, 4) === k.slice(0, 4)); // reduce, reduction
    if (related && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** True when every letter of `short` appears in `long`, in order. */
function containsInOrder(long: string, short: string): boolean {
  let j = 0;
  for (let i = 0; i < long.length && j < short.length; i++) if (long[i] === short[j]) j++;
  return j === short.length;
}

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        d[0][j] = j;
        continue;
      }
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
    }
  }
  return d[a.length][b.length];
}
