// Tag → genre rules. The original project kept the LAST tag (in last.fm's order) whose lower-cased name is one
// of its 17 genres; the default here keeps the highest-count tag after normalising case, spacing
// and aliases ("Hip Hop" → "hip-hop"), over a configurable vocabulary.

/** One last.fm tag with its count (last.fm's relative weight, 0–100). */
export interface Tag {
  readonly name: string;
  readonly count: number;
}

/** The original project's 17 genres, in its order. */
export const ORIGINAL_GENRES: readonly string[] = [
  'rock',
  'pop',
  'metal',
  'jazz',
  'classical',
  'hip-hop',
  'edm',
  'dance',
  'rap',
  'r&b',
  'reggae',
  'alternative',
  'indie',
  'punk',
  'folk',
  'country',
  'electronic',
];

/** Default aliases: spelling variants and common sub-genre tags → one of ORIGINAL_GENRES. */
export const DEFAULT_ALIASES: Readonly<Record<string, string>> = {
  'hip hop': 'hip-hop',
  hiphop: 'hip-hop',
  'hip-hop/rap': 'hip-hop',
  rnb: 'r&b',
  'r and b': 'r&b',
  "r'n'b": 'r&b',
  'r n b': 'r&b',
  'rhythm and blues': 'r&b',
  electronica: 'electronic',
  electro: 'electronic',
  'electronic dance music': 'edm',
  'heavy metal': 'metal',
  'punk rock': 'punk',
  'indie rock': 'indie',
  'indie pop': 'indie',
  'alternative rock': 'alternative',
  'alt-rock': 'alternative',
  'alt rock': 'alternative',
  'classic rock': 'rock',
  'hard rock': 'rock',
  'pop rock': 'pop',
  'reggae dub': 'reggae',
  'roots reggae': 'reggae',
  'folk rock': 'folk',
  'country rock': 'country',
  'classical music': 'classical',
};

/** A genre vocabulary: the accepted genre names and aliases mapping other tags onto them. */
export interface GenreVocabulary {
  readonly genres: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
}

/** The original project's vocabulary with the default aliases. */
export const DEFAULT_VOCABULARY: GenreVocabulary = { genres: ORIGINAL_GENRES, aliases: DEFAULT_ALIASES };

/** Which rule picks the genre from a track's tags. */
export type TagRule = 'original' | 'top-count';

/**
 * Lower-cases, trims and collapses whitespace and "_" so "Hip_Hop " and "hip  hop" compare equal.
 *
 * ```ts
 * normalizeTag('  Hip_Hop '); // "hip hop"
 * ```
 */
export function normalizeTag(tag: string): string {
  return tag
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_]+/g, ' ')
    .trim();
}

/**
 * The original project's rule: the LAST tag, in the given order, whose lower-cased name is one of the 17
 * genres (no alias, no other normalisation than case). Null when none matches.
 *
 * ```ts
 * originalTagRule([{ name: 'pop', count: 41 }, { name: 'Rock', count: 35 }]); // "rock"
 * ```
 */
export function originalTagRule(tags: readonly Tag[]): string | null {
  let genre: string | null = null;
  for (const t of tags) {
    const lower = t.name.toLowerCase();
    if (ORIGINAL_GENRES.includes(lower)) genre = lower;
  }
  return genre;
}

/** Builds the lookup normalised-tag → genre of a vocabulary (checks aliases point at genres). */
export function vocabularyLookup(vocab: GenreVocabulary): Map<string, string> {
  const map = new Map<string, string>();
  for (const g of vocab.genres) map.set(normalizeTag(g), g);
  for (const [alias, target] of Object.entries(vocab.aliases ?? {})) {
    if (!vocab.genres.includes(target)) {
      throw new RangeError(`genre vocabulary: alias "${alias}" points at "${target}", which is not one of the genres (${vocab.genres.join(', ')})`);
    }
    map.set(normalizeTag(alias), target);
  }
  return map;
}

/**
 * The default rule: among tags that name a genre of the vocabulary (after normalisation and
 * aliases), the one with the highest count; ties go to the earlier tag. Null when none matches or
 * the best count is below `minCount`.
 *
 * ```ts
 * topCountTagRule([{ name: 'Hip Hop', count: 80 }, { name: 'rap', count: 100 }]); // "rap"
 * ```
 */
export function topCountTagRule(
  tags: readonly Tag[],
  options: { vocabulary?: GenreVocabulary; minCount?: number; lookup?: Map<string, string> } = {},
): string | null {
  const lookup = options.lookup ?? vocabularyLookup(options.vocabulary ?? DEFAULT_VOCABULARY);
  const minCount = options.minCount ?? 0;
  let best: string | null = null,
    bestCount = -Infinity;
  for (const t of tags) {
    const g = lookup.get(normalizeTag(t.name));
    if (g === undefined) continue;
    if (t.count > bestCount) {
      best = g;
      bestCount = t.count;
    }
  }
  return best !== null && bestCount >= minCount ? best : null;
}

/**
 * Applies a rule by name. `'original'` ignores the vocabulary (the original project's fixed 17), `'top-count'`
 * (default) uses it.
 *
 * ```ts
 * tagsToGenre(tags, { rule: 'original' });
 * ```
 */
export function tagsToGenre(tags: readonly Tag[], options: { rule?: TagRule; vocabulary?: GenreVocabulary; minCount?: number } = {}): string | null {
  const rule = options.rule ?? 'top-count';
  if (rule === 'original') return originalTagRule(tags);
  if (rule === 'top-count') return topCountTagRule(tags, options);
  throw new RangeError(`tagsToGenre: unknown rule "${String(rule)}" (expected "original" or "top-count")`);
}

/**
 * Parses a vocabulary from JSON text: either `["rock", "pop", …]` or
 * `{ "genres": [...], "aliases": { "hip hop": "hip-hop" } }`. `source` names the file in errors.
 */
export function parseVocabulary(text: string, source: string): GenreVocabulary {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const isStrings = (a: unknown): a is string[] => Array.isArray(a) && a.every((s) => typeof s === 'string');
  if (isStrings(v)) return { genres: v };
  if (v !== null && typeof v === 'object' && isStrings((v as { genres?: unknown }).genres)) {
    const aliases = (v as { aliases?: unknown }).aliases;
    if (aliases !== undefined && (aliases === null || typeof aliases !== 'object' || !Object.values(aliases).every((s) => typeof s === 'string'))) {
      throw new TypeError(`${source}: "aliases" must be an object of tag → genre strings`);
    }
    const vocab = { genres: (v as { genres: string[] }).genres, ...(aliases ? { aliases: aliases as Record<string, string> } : {}) };
    vocabularyLookup(vocab); // validates alias targets
    return vocab;
  }
  throw new TypeError(`${source}: expected a list of genres or { "genres": [...], "aliases": {...} }`);
}
