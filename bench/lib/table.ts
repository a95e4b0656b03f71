// Plain-text tables for bench output: right-aligned numeric columns, ratio formatting.

/** Prints rows under headers with columns padded to the widest cell. */
export function printTable(headers: string[], rows: (string | number)[][], log: (s: string) => void = console.log): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? fmtNum(c) : c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  log(line(headers));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) log(line(r));
}

/** 2 decimals below 100, 1 above; '-' for NaN (not measured). */
export function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(2);
}

/** ours/peer as "3.41x", or '-' when either is missing. */
export function ratio(ours: number | undefined, peer: number | undefined): string {
  if (ours === undefined || peer === undefined || !(peer > 0) || !Number.isFinite(ours)) return '-';
  return `${(ours / peer).toFixed(2)}x`;
}
