// Inline-SVG charts for the HTML report: line chart, heat map, grouped bars, scatter. Plain strings,
// no fonts or scripts from the network; every chart is self-contained and sized in CSS pixels.

/** Escapes text for HTML/SVG element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A colour-blind-friendly palette (Okabe–Ito). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) {
    hi = lo + 1;
    lo = lo - 1;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

const fmtTick = (v: number): string => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toPrecision(3) : String(Number(v.toPrecision(4))));

/** One line of {@link lineChart}: a name for the legend, y values, and optional x values, colour and dash. */
export interface Series {
  readonly name: string;
  readonly values: readonly number[];
  /** x values (default 1, 2, …). */
  readonly x?: readonly number[];
  readonly color?: string;
  readonly dashed?: boolean;
}

/** Title, axis labels, size in pixels and a fixed y range for the SVG charts; unset fields are derived from the data. */
export interface ChartOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly width?: number;
  readonly height?: number;
  /** Fixed y range; default from the data. */
  readonly yMin?: number;
  readonly yMax?: number;
  /** A vertical marker (e.g. the early-stopping epoch). */
  readonly markX?: { readonly x: number; readonly label: string };
}

interface Frame {
  x0: number;
  y0: number;
  w: number;
  h: number;
  sx: (v: number) => number;
  sy: (v: number) => number;
}

/** Axes, ticks and gridlines of a plot area; `extraTop` leaves room under the title (for the legend). */
function axes(o: ChartOptions, xlo: number, xhi: number, ylo: number, yhi: number, W: number, H: number, extraTop = 0): { svg: string; f: Frame } {
  const m = { l: 56, r: 16, t: (o.title ? 28 : 12) + extraTop, b: 44 };
  const w = W - m.l - m.r,
    h = H - m.t - m.b;
  if (xhi === xlo) xhi = xlo + 1;
  if (yhi === ylo) {
    yhi += 0.5;
    ylo -= 0.5;
  }
  const sx = (v: number) => m.l + ((v - xlo) / (xhi - xlo)) * w;
  const sy = (v: number) => m.t + h - ((v - ylo) / (yhi - ylo)) * h;
  const parts: string[] = [];
  if (o.title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeHtml(o.title)}</text>`);
  for (const t of niceTicks(ylo, yhi, 5)) {
    if (t < ylo - 1e-12 || t > yhi + 1e-12) continue;
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${m.l}" x2="${m.l + w}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.l - 6}" y="${y}" dy="4" text-anchor="end" font-size="11" fill="#444">${fmtTick(t)}</text>`);
  }
  for (const t of niceTicks(xlo, xhi, 6)) {
    if (t < xlo - 1e-12 || t > xhi + 1e-12) continue;
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.t + h}" y2="${m.t + h + 4}" stroke="#888"/>`);
    parts.push(`<text x="${x}" y="${m.t + h + 16}" text-anchor="middle" font-size="11" fill="#444">${fmtTick(t)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${w}" height="${h}" fill="none" stroke="#888"/>`);
  if (o.xLabel) parts.push(`<text x="${m.l + w / 2}" y="${H - 8}" text-anchor="middle" font-size="12">${escapeHtml(o.xLabel)}</text>`);
  if (o.yLabel) parts.push(`<text transform="translate(14 ${m.t + h / 2}) rotate(-90)" text-anchor="middle" font-size="12">${escapeHtml(o.yLabel)}</text>`);
  return { svg: parts.join(''), f: { x0: m.l, y0: m.t, w, h, sx, sy } };
}

interface LegendItem {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
}

const legendItemWidth = (it: LegendItem): number => 30 + it.name.length * 6.2 + 14;

/** Rows the legend needs when its items flow left to right within `width`. */
function legendRows(items: readonly LegendItem[], width: number): number {
  let rows = 1,
    x = 0;
  for (const it of items) {
    const w = legendItemWidth(it);
    if (x > 0 && x + w > width) {
      rows++;
      x = 0;
    }
    x += w;
  }
  return rows;
}

const LEGEND_ROW = 16;

/**
 * The legend as a band of items flowing left to right from (x, y) within `width`; it sits outside the
 * plot area (between the title and the plot), so it never hides a curve. `class="legend"` on the
 * group and its bounding box lets tests and stylesheets find it.
 */
function legend(items: readonly LegendItem[], x: number, y: number, width: number): string {
  const rows = legendRows(items, width);
  const parts: string[] = [`<rect class="legend-box" x="${x}" y="${y}" width="${width}" height="${rows * LEGEND_ROW}" fill="none"/>`];
  let cx = 0,
    row = 0;
  for (const it of items) {
    const w = legendItemWidth(it);
    if (cx > 0 && cx + w > width) {
      row++;
      cx = 0;
    }
    const yy = y + row * LEGEND_ROW + LEGEND_ROW / 2;
    parts.push(
      `<line x1="${(x + cx).toFixed(1)}" x2="${(x + cx + 18).toFixed(1)}" y1="${yy}" y2="${yy}" stroke="${it.color}" stroke-width="2.5"${it.dashed ? ' stroke-dasharray="5 3"' : ''}/>` +
        `<text x="${(x + cx + 24).toFixed(1)}" y="${yy + 4}" font-size="11">${escapeHtml(it.name)}</text>`,
    );
    cx += w;
  }
  return `<g class="legend">${parts.join('')}</g>`;
}

/**
 * A line chart of one or more series (NaN points leave gaps).
 *
 * ```ts
 * lineChart([{ name: 'train loss', values: h.trainLoss }, { name: 'valid loss', values: h.validLoss }], { xLabel: 'epoch' });
 * ```
 */
export function lineChart(series: readonly Series[], o: ChartOptions = {}): string {
  const W = o.width ?? 560,
    H = o.height ?? 300;
  let xlo = Infinity,
    xhi = -Infinity,
    ylo = Infinity,
    yhi = -Infinity;
  for (const s of series)
    s.values.forEach((v, i) => {
      const x = s.x ? s.x[i] : i + 1;
      if (!Number.isFinite(v) || !Number.isFinite(x)) return;
      xlo = Math.min(xlo, x);
      xhi = Math.max(xhi, x);
      ylo = Math.min(ylo, v);
      yhi = Math.max(yhi, v);
    });
  if (!Number.isFinite(xlo))
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><text x="8" y="24" font-size="12">${escapeHtml(o.title ?? '')}: no data</text></svg>`;
  if (o.yMin !== undefined) ylo = o.yMin;
  if (o.yMax !== undefined) yhi = o.yMax;
  const pad = (yhi - ylo) * 0.05;
  if (o.yMin === undefined) ylo -= pad;
  if (o.yMax === undefined) yhi += pad;
  const items = series.map((s, k) => ({ name: s.name, color: s.color ?? PALETTE[k % PALETTE.length], dashed: s.dashed }));
  const plotW = W - 56 - 16,
    band = legendRows(items, plotW) * LEGEND_ROW + 6;
  const { svg, f } = axes(o, xlo, xhi, ylo, yhi, W, H + band, band);
  const paths = series.map((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    let d = '',
      pen = false;
    s.values.forEach((v, i) => {
      const x = s.x ? s.x[i] : i + 1;
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${f.sx(x).toFixed(1)} ${f.sy(Math.min(yhi, Math.max(ylo, v))).toFixed(1)}`;
      pen = true;
    });
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`;
  });
  let mark = '';
  if (o.markX && o.markX.x >= xlo && o.markX.x <= xhi) {
    const x = f.sx(o.markX.x).toFixed(1);
    mark =
      `<line x1="${x}" x2="${x}" y1="${f.y0}" y2="${f.y0 + f.h}" stroke="#999" stroke-dasharray="3 3"/>` +
      `<text x="${x}" y="${f.y0 + 12}" dx="4" font-size="11" fill="#555">${escapeHtml(o.markX.label)}</text>`;
  }
  const leg = legend(items, f.x0, f.y0 - band, f.w);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + band}" viewBox="0 0 ${W} ${H + band}" font-family="sans-serif" role="img">${svg}${paths.join('')}${mark}${leg}</svg>`;
}

/**
 * Scatter plot of (x, y) points, optionally log-scaled x (e.g. learning rate vs macro-F1).
 *
 * ```ts
 * scatterChart(trials.map((t) => ({ x: t.lr, y: t.score })), { xLabel: 'lr', logX: true });
 * ```
 */
export function scatterChart(points: readonly { x: number; y: number; label?: string; color?: string }[], o: ChartOptions & { logX?: boolean } = {}): string {
  const W = o.width ?? 560,
    H = o.height ?? 300;
  const tx = (v: number) => (o.logX ? Math.log10(v) : v);
  const pts = points.filter((p) => Number.isFinite(tx(p.x)) && Number.isFinite(p.y));
  if (pts.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40"><text x="8" y="24" font-size="12">no data</text></svg>`;
  let xlo = Math.min(...pts.map((p) => tx(p.x))),
    xhi = Math.max(...pts.map((p) => tx(p.x)));
  let ylo = o.yMin ?? Math.min(...pts.map((p) => p.y)),
    yhi = o.yMax ?? Math.max(...pts.map((p) => p.y));
  const px = (xhi - xlo) * 0.05 || 0.5,
    py = (yhi - ylo) * 0.05 || 0.05;
  xlo -= px;
  xhi += px;
  if (o.yMin === undefined) ylo -= py;
  if (o.yMax === undefined) yhi += py;
  const { svg, f } = axes({ ...o, xLabel: o.logX ? `log10(${o.xLabel ?? 'x'})` : o.xLabel }, xlo, xhi, ylo, yhi, W, H);
  const dots = pts.map(
    (p) =>
      `<circle cx="${f.sx(tx(p.x)).toFixed(1)}" cy="${f.sy(p.y).toFixed(1)}" r="4" fill="${p.color ?? PALETTE[0]}" fill-opacity="0.75">${p.label ? `<title>${escapeHtml(p.label)}</title>` : ''}</circle>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img">${svg}${dots.join('')}</svg>`;
}

/** White → blue ramp for t in [0, 1]. */
function blue(t: number): string {
  const c = (a: number, b: number) => Math.round(a + (b - a) * Math.max(0, Math.min(1, t)));
  return `rgb(${c(247, 8)},${c(251, 48)},${c(255, 107)})`;
}

const pctLabel = (v: number): string => `${(v * 100).toFixed(1)}%`;

/**
 * Confusion-matrix heat map: text = count, colour = row-normalised share (the share of the true
 * class's rows predicted as each class; the diagonal is the recall), on a white → blue scale that
 * spans the smallest to the largest share in the matrix. A colour-scale bar at the right shows that
 * range (`class="colour-scale"`, with `data-min`/`data-max`).
 *
 * ```ts
 * heatmap(metrics.confusion, classNames, { title: 'Confusion (test)' });
 * ```
 */
export function heatmap(matrix: readonly (readonly number[])[], labels: readonly string[], o: { title?: string; cell?: number } = {}): string {
  const C = matrix.length;
  const cell = o.cell ?? Math.max(22, Math.min(48, Math.floor(440 / Math.max(1, C))));
  const longest = Math.max(4, ...labels.map((l) => l.length));
  const left = Math.min(180, 12 + longest * 6.5),
    top = (o.title ? 30 : 8) + Math.min(140, 12 + longest * 6.5);
  const scaleW = 78; // colour bar, its labels and its caption
  const W = left + C * cell + 20 + scaleW,
    H = top + C * cell + 40;
  const shares = matrix.map((row) => {
    const rowSum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (rowSum > 0 ? v / rowSum : NaN)); // a class with no rows has no shares
  });
  let lo = Infinity,
    hi = -Infinity;
  for (const row of shares)
    for (const v of row)
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  const t = (share: number): number => (hi > lo ? (share - lo) / (hi - lo) : 1);
  const parts: string[] = [];
  if (o.title)
    parts.push(`<text x="${(left + (C * cell) / 2).toFixed(1)}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeHtml(o.title)}</text>`);
  for (let r = 0; r < C; r++) {
    parts.push(`<text x="${left - 6}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${escapeHtml(labels[r])}</text>`);
    for (let p = 0; p < C; p++) {
      const v = matrix[r][p],
        share = shares[r][p];
      const x = left + p * cell,
        y = top + r * cell;
      const fill = Number.isFinite(share) ? blue(t(share)) : '#f0f0f0';
      const tip = `${labels[r]} → ${labels[p]}: ${v}${Number.isFinite(share) ? ` (${(share * 100).toFixed(1)}% of row)` : ''}`;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#fff"><title>${escapeHtml(tip)}</title></rect>`);
      if (v > 0)
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="${cell < 30 ? 9 : 11}" fill="${t(share) > 0.5 ? '#fff' : '#222'}">${v}</text>`,
        );
    }
  }
  for (let p = 0; p < C; p++) {
    const x = left + p * cell + cell / 2 + 4;
    parts.push(`<text transform="translate(${x} ${top - 6}) rotate(-60)" font-size="11">${escapeHtml(labels[p])}</text>`);
  }
  // The colour scale: a vertical bar of steps from the largest share (top) to the smallest (bottom).
  const bx = left + C * cell + 16,
    bh = Math.max(60, C * cell),
    steps = 24,
    sh = bh / steps;
  const bar: string[] = [];
  for (let k = 0; k < steps; k++)
    bar.push(`<rect x="${bx}" y="${(top + k * sh).toFixed(2)}" width="12" height="${(sh + 0.5).toFixed(2)}" fill="${blue(1 - (k + 0.5) / steps)}"/>`);
  parts.push(
    `<g class="colour-scale" data-min="${lo}" data-max="${hi}">${bar.join('')}<rect x="${bx}" y="${top}" width="12" height="${bh}" fill="none" stroke="#888"/>` +
      `<text class="scale-max" x="${bx + 16}" y="${top + 9}" font-size="10">${pctLabel(hi)}</text>` +
      `<text class="scale-min" x="${bx + 16}" y="${top + bh}" font-size="10">${pctLabel(lo)}</text>` +
      `<text transform="translate(${bx + 30} ${top + bh / 2}) rotate(90)" text-anchor="middle" font-size="10" fill="#444">share of true class's row</text></g>`,
  );
  parts.push(`<text x="${left + (C * cell) / 2}" y="${H - 12}" text-anchor="middle" font-size="12">predicted (text: count; colour: share of the row)</text>`);
  parts.push(`<text transform="translate(12 ${top + (C * cell) / 2}) rotate(-90)" text-anchor="middle" font-size="12">true</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img">${parts.join('')}</svg>`;
}

/**
 * Grouped horizontal bars: one row per category, one bar per group (e.g. precision/recall/F1 per
 * class), on a value axis from 0 to `max` (default: the largest value) with ticks, labels and
 * gridlines along the bottom (`class="value-axis"`).
 *
 * ```ts
 * barChart(classNames, [{ name: 'F1', values: f1s }], { title: 'Per class', max: 1 });
 * ```
 */
export function barChart(
  categories: readonly string[],
  groups: readonly { name: string; values: readonly number[]; color?: string }[],
  o: { title?: string; max?: number; width?: number; valueLabel?: string } = {},
): string {
  const W = o.width ?? 560;
  const longest = Math.max(4, ...categories.map((c) => c.length));
  const left = Math.min(180, 14 + longest * 6.5),
    right = 40,
    top = o.title ? 30 : 10;
  const barH = 9,
    gap = 8,
    rowH = groups.length * barH + gap;
  const bottom = top + categories.length * rowH; // the value axis
  const axisH = 22 + (o.valueLabel ? 16 : 0);
  const H = bottom + axisH + 16;
  const max = o.max ?? Math.max(1e-9, ...groups.flatMap((g) => g.values.filter(Number.isFinite)));
  const w = W - left - right;
  const sx = (v: number): number => left + (Math.max(0, Math.min(max, v)) / max) * w;
  const parts: string[] = [];
  if (o.title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600">${escapeHtml(o.title)}</text>`);
  const axis: string[] = [];
  for (const tick of niceTicks(0, max, 5)) {
    if (tick < 0 || tick > max + 1e-12) continue;
    const x = sx(tick).toFixed(1);
    axis.push(`<line x1="${x}" x2="${x}" y1="${top - 4}" y2="${bottom}" stroke="#e5e5e5"/>`);
    axis.push(`<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 4}" stroke="#888"/>`);
    axis.push(`<text class="tick" x="${x}" y="${bottom + 15}" text-anchor="middle" font-size="10" fill="#444">${fmtTick(tick)}</text>`);
  }
  axis.push(`<line x1="${left}" x2="${left + w}" y1="${bottom}" y2="${bottom}" stroke="#888"/>`);
  if (o.valueLabel) axis.push(`<text x="${left + w / 2}" y="${bottom + 32}" text-anchor="middle" font-size="11">${escapeHtml(o.valueLabel)}</text>`);
  parts.push(`<g class="value-axis">${axis.join('')}</g>`);
  categories.forEach((c, i) => {
    const y0 = top + i * rowH;
    parts.push(`<text x="${left - 6}" y="${y0 + (groups.length * barH) / 2 + 4}" text-anchor="end" font-size="11">${escapeHtml(c)}</text>`);
    groups.forEach((g, k) => {
      const v = g.values[i];
      const len = Number.isFinite(v) ? sx(v) - left : 0;
      const color = g.color ?? PALETTE[k % PALETTE.length];
      parts.push(
        `<rect x="${left}" y="${y0 + k * barH}" width="${len.toFixed(1)}" height="${barH - 1}" fill="${color}"><title>${escapeHtml(`${c} ${g.name}: ${Number.isFinite(v) ? v.toFixed(3) : 'n/a'}`)}</title></rect>`,
      );
      parts.push(`<text x="${left + len + 4}" y="${y0 + k * barH + barH - 1}" font-size="9" fill="#444">${Number.isFinite(v) ? v.toFixed(2) : ''}</text>`);
    });
  });
  parts.push(`<line x1="${left}" x2="${left}" y1="${top - 4}" y2="${bottom}" stroke="#888"/>`);
  const ly = bottom + axisH + 10;
  let lx = left;
  for (const [k, g] of groups.entries()) {
    parts.push(
      `<rect x="${lx}" y="${ly - 8}" width="12" height="10" fill="${g.color ?? PALETTE[k % PALETTE.length]}"/><text x="${lx + 16}" y="${ly + 1}" font-size="11">${escapeHtml(g.name)}</text>`,
    );
    lx += 30 + g.name.length * 6.5;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" role="img">${parts.join('')}</svg>`;
}

/** One confidence bin of a reliability diagram (the shape of `calibrationBins`' entries). */
export interface ReliabilityBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  /** Mean top probability of the bin's rows (NaN when empty). */
  readonly confidence: number;
  /** Share of the bin's rows whose top class is right (NaN when empty). */
  readonly accuracy: number;
}

/**
 * Reliability diagram: for each non-empty confidence bin, its mean confidence (x) against its
 * accuracy (y), one line per series, beside the diagonal of perfect calibration. A dot's area
 * follows its bin's rows; each dot carries its bin in `data-*` attributes and a tooltip.
 *
 * ```ts
 * reliabilityChart([{ name: 'raw', bins: calibrationBins(p, y, K) }, { name: 'T = 1.4', bins: calibrationBins(pT, y, K) }]);
 * ```
 */
export function reliabilityChart(
  series: readonly { name: string; bins: readonly ReliabilityBin[]; color?: string; dashed?: boolean }[],
  o: ChartOptions = {},
): string {
  const W = o.width ?? 420,
    H = o.height ?? 380;
  const items: LegendItem[] = [
    { name: 'perfect calibration', color: '#999', dashed: true },
    ...series.map((s, k) => ({ name: s.name, color: s.color ?? PALETTE[(k + 1) % PALETTE.length], dashed: s.dashed })),
  ];
  const band = legendRows(items, W - 56 - 16) * LEGEND_ROW + 6;
  const { svg, f } = axes({ xLabel: 'confidence (top probability)', yLabel: 'accuracy', ...o }, 0, 1, 0, 1, W, H + band, band);
  const parts: string[] = [`<line x1="${f.sx(0)}" y1="${f.sy(0)}" x2="${f.sx(1)}" y2="${f.sy(1)}" stroke="#999" stroke-dasharray="4 3"/>`];
  // Dot area grows with the bin's rows, so a bin of a handful of rows reads as the noisy point it is.
  const most = Math.max(1, ...series.flatMap((s) => s.bins.map((b) => b.count)));
  series.forEach((s, k) => {
    const color = items[k + 1].color;
    let d = '';
    const dots: string[] = [];
    for (const b of s.bins) {
      if (!(b.count > 0)) continue;
      const x = f.sx(b.confidence).toFixed(1),
        y = f.sy(b.accuracy).toFixed(1);
      d += `${d === '' ? 'M' : 'L'}${x} ${y}`;
      dots.push(
        `<circle class="bin" data-series="${escapeHtml(s.name)}" data-lo="${b.lo}" data-hi="${b.hi}" data-count="${b.count}" data-confidence="${b.confidence}" data-accuracy="${b.accuracy}" cx="${x}" cy="${y}" r="${(2 + 5 * Math.sqrt(b.count / most)).toFixed(1)}" fill="${color}" fill-opacity="0.8">` +
          `<title>${escapeHtml(`${s.name}: confidence (${b.lo.toFixed(2)}, ${b.hi.toFixed(2)}], ${b.count} rows, mean confidence ${b.confidence.toFixed(3)}, accuracy ${b.accuracy.toFixed(3)}`)}</title></circle>`,
      );
    }
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`, ...dots);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + band}" viewBox="0 0 ${W} ${H + band}" font-family="sans-serif" role="img">${svg}${parts.join('')}${legend(items, f.x0, f.y0 - band, f.w)}</svg>`;
}
