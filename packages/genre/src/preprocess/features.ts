// Feature sets and encodings. `original6` is the original project's six columns as it used them; `song` is every
// usable song-level field with categorical fields encoded (key one-hot or on the circle, mode 0/1,
// time signature one-hot); `timbre` / `pitch` are per-song segment summaries when the table has them.

/** Named groups of features: the original project's six, all usable song-level fields, timbre and pitch summaries. */
export type FeatureGroup = 'original6' | 'song' | 'timbre' | 'pitch';
/** Every {@link FeatureGroup}, in the order feature specs list them. */
export const FEATURE_GROUPS: readonly FeatureGroup[] = ['original6', 'song', 'timbre', 'pitch'];

/** How the musical key (0–11) becomes numbers. */
export type KeyEncoding = 'onehot' | 'sincos' | 'numeric';

/** One output feature: how to compute it from a row, and what a missing value means. */
export interface FeatureDef {
  readonly name: string;
  readonly group: FeatureGroup;
  /** Source columns; a row missing any of them cannot produce this feature. */
  readonly needs: readonly string[];
  /**
   * Imputable features may be missing (NaN in preprocessed data; the training-split median fills
   * them, with a missing-value indicator beside). Others are vital: a row without them is dropped.
   */
  readonly imputable: boolean;
  /**
   * The indicator of an imputable feature: `<name>_missing` by default; the features of an audio
   * summary group share one, `<group>_missing` (a song either has the group's summary or not).
   */
  readonly indicator?: string;
  /** Computes the value; NaN when missing. `get` returns the column's number (NaN for missing). */
  readonly value: (get: (column: string) => number) => number;
}

const TIME_SIGNATURES = [1, 3, 4, 5, 7] as const;

function plain(name: string, group: FeatureGroup, column = name): FeatureDef {
  return { name, group, needs: [column], imputable: false, value: (get) => get(column) };
}

/** The indicator column of a missing audio summary group: `timbre_missing`, `pitch_missing`. */
export function missingIndicator(group: FeatureGroup): string {
  return `${group}_missing`;
}

/** The indicator column of an imputable feature. */
export function indicatorOf(d: FeatureDef): string {
  return d.indicator ?? `${d.name}_missing`;
}

/** year 0 means unknown in the MSD: NaN so it is imputed. */
const yearValue = (get: (c: string) => number): number => {
  const y = get('year');
  return y > 0 ? y : NaN;
};

/**
 * The features of `groups` that the available `columns` allow, in a stable order. Groups that
 * need missing columns contribute what they can; `original6` and audio groups require all their columns.
 *
 * ```ts
 * featureDefs(['song', 'timbre'], table.columns, { keyEncoding: 'sincos' }).map((f) => f.name);
 * ```
 */
export function featureDefs(groups: readonly FeatureGroup[], columns: readonly string[], options: { keyEncoding?: KeyEncoding } = {}): FeatureDef[] {
  const keyEncoding = options.keyEncoding ?? 'onehot';
  const has = (c: string) => columns.includes(c);
  const defs: FeatureDef[] = [];
  for (const g of groups) {
    if (!FEATURE_GROUPS.includes(g)) throw new RangeError(`features: unknown feature group "${g}" (expected ${FEATURE_GROUPS.join(', ')})`);
  }
  if (groups.includes('original6') && !groups.includes('song')) {
    // song is a superset of original6
    const six = ['duration', 'key', 'key_confidence', 'tempo', 'time_signature', 'time_signature_confidence'];
    const missing = six.filter((c) => !has(c));
    if (missing.length > 0) throw new RangeError(`features: original6 needs column(s) ${missing.join(', ')}, not in the table`);
    for (const c of six) defs.push(plain(c, 'original6'));
  }
  if (groups.includes('song')) {
    for (const c of ['duration', 'tempo', 'loudness', 'key_confidence', 'mode_confidence', 'time_signature_confidence', 'end_of_fade_in']) {
      if (has(c)) defs.push(plain(c, 'song'));
    }
    if (has('duration') && has('start_of_fade_out')) {
      defs.push({
        name: 'fade_out_length',
        group: 'song',
        needs: ['duration', 'start_of_fade_out'],
        imputable: false,
        value: (get) => get('duration') - get('start_of_fade_out'),
      });
    }
    if (has('key')) {
      if (keyEncoding === 'numeric') defs.push(plain('key', 'song'));
      else if (keyEncoding === 'sincos') {
        // Pitch classes on a circle: B (11) sits next to C (0), unlike the raw number.
        defs.push({ name: 'key_sin', group: 'song', needs: ['key'], imputable: false, value: (get) => Math.sin((2 * Math.PI * get('key')) / 12) });
        defs.push({ name: 'key_cos', group: 'song', needs: ['key'], imputable: false, value: (get) => Math.cos((2 * Math.PI * get('key')) / 12) });
      } else {
        for (let k = 0; k < 12; k++)
          defs.push({ name: `key_${k}`, group: 'song', needs: ['key'], imputable: false, value: (get) => (get('key') === k ? 1 : 0) });
      }
    }
    if (has('mode')) defs.push(plain('mode', 'song'));
    if (has('time_signature')) {
      for (const t of TIME_SIGNATURES)
        defs.push({
          name: `time_signature_${t}`,
          group: 'song',
          needs: ['time_signature'],
          imputable: false,
          value: (get) => (get('time_signature') === t ? 1 : 0),
        });
      defs.push({
        name: 'time_signature_other',
        group: 'song',
        needs: ['time_signature'],
        imputable: false,
        value: (get) => ((TIME_SIGNATURES as readonly number[]).includes(get('time_signature')) ? 0 : 1),
      });
    }
    if (has('year')) defs.push({ name: 'year', group: 'song', needs: [], imputable: true, value: yearValue });
    for (const c of ['artist_familiarity', 'artist_hotttnesss', 'song_hotttnesss']) {
      if (has(c)) defs.push({ name: c, group: 'song', needs: [], imputable: true, value: (get) => get(c) });
    }
  }
  for (const g of ['timbre', 'pitch'] as const) {
    if (!groups.includes(g)) continue;
    const cols = columns.filter((c) => c.startsWith(`${g}_mean_`) || c.startsWith(`${g}_var_`));
    if (cols.length === 0) throw new RangeError(`features: group "${g}" asked for, but the table has no ${g} summary columns (join a table with them: --join)`);
    cols.sort((a, b) => {
      const [sa, ka] = [a.includes('_var_') ? 1 : 0, Number(a.slice(a.lastIndexOf('_') + 1))];
      const [sb, kb] = [b.includes('_var_') ? 1 : 0, Number(b.slice(b.lastIndexOf('_') + 1))];
      return sa - sb || ka - kb;
    });
    // A song without this summary keeps its other features: the group is imputed, flagged by one indicator.
    for (const c of cols) defs.push({ name: c, group: g, needs: [], imputable: true, indicator: missingIndicator(g), value: (get) => get(c) });
  }
  if (defs.length === 0) throw new RangeError(`features: no usable feature among groups ${groups.join(', ')} in columns ${columns.join(', ')}`);
  return defs;
}

/** Audio groups the columns can provide. */
export function availableAudioGroups(columns: readonly string[]): FeatureGroup[] {
  const out: FeatureGroup[] = [];
  if (columns.some((c) => c.startsWith('timbre_mean_'))) out.push('timbre');
  if (columns.some((c) => c.startsWith('pitch_mean_'))) out.push('pitch');
  return out;
}

/**
 * Parses a feature-set spec: comma-separated groups, or `auto` (song + whatever audio exists), or
 * `all`. Example: "original6", "song,timbre,pitch".
 */
export function parseFeatureSpec(spec: string, columns: readonly string[]): FeatureGroup[] {
  const s = spec.trim().toLowerCase();
  if (s === 'auto' || s === 'all') return ['song', ...availableAudioGroups(columns)];
  const parts = s.split(/[,+\s]+/).filter((p) => p !== '');
  const out: FeatureGroup[] = [];
  for (const p of parts) {
    const g = p === 'audio' ? null : p;
    if (g === null) {
      out.push(...availableAudioGroups(columns));
      continue;
    }
    if (!FEATURE_GROUPS.includes(g as FeatureGroup))
      throw new RangeError(`features: unknown feature group "${p}" in "${spec}" (expected original6, song, timbre, pitch, audio, auto)`);
    out.push(g as FeatureGroup);
  }
  return [...new Set(out)];
}

/** The feature groups that produced `names` (a preprocessed CSV stores names, not groups). */
export function featureGroupsOf(names: readonly string[]): FeatureGroup[] {
  const g: FeatureGroup[] = [];
  const song = names.some((n) => /^(key_(\d+|sin|cos)|time_signature_(\d+|other)|mode|loudness|fade_out_length)$/.test(n));
  if (song) g.push('song');
  else if (names.includes('time_signature') && names.includes('key')) g.push('original6');
  if (names.some((n) => n.startsWith('timbre_'))) g.push('timbre');
  if (names.some((n) => n.startsWith('pitch_'))) g.push('pitch');
  return g;
}

/** The key encoding that produced `names`. */
export function keyEncodingOf(names: readonly string[]): KeyEncoding {
  if (names.includes('key_sin')) return 'sincos';
  if (names.includes('key_0')) return 'onehot';
  return 'numeric';
}

/**
 * The features a person reads as one, for explanations: a one-hot key or time signature, a timbre or
 * pitch summary with its indicator, a field with its `_missing` indicator; every other feature alone.
 *
 * ```ts
 * explanationGroups(['tempo', 'key_0', 'key_1', 'timbre_mean_0', 'timbre_missing']);
 * // [{ name: 'tempo', features: [0] }, { name: 'key', features: [1, 2] }, { name: 'timbre', features: [3, 4] }]
 * ```
 */
export function explanationGroups(featureNames: readonly string[]): { name: string; features: number[] }[] {
  const groups = new Map<string, number[]>();
  featureNames.forEach((n, i) => {
    const audio = /^(timbre|pitch)_((mean|var)_\d+|missing)$/.exec(n);
    const name = audio
      ? audio[1]
      : /^key_(\d+|sin|cos)$/.test(n)
        ? 'key'
        : /^time_signature_(\d+|other)$/.test(n)
          ? 'time_signature'
          : n.endsWith('_missing')
            ? n.slice(0, -'_missing'.length)
            : n;
    groups.set(name, [...(groups.get(name) ?? []), i]);
  });
  return [...groups].map(([name, features]) => ({ name, features }));
}
