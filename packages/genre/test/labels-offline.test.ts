import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readLastfmTags, readTagtraumCls } from '../src/labels/offline.js';
import { labelFromTrackTags, readLabels, writeLabelFile } from '../src/labels/label.js';
import { normalizeTag, parseVocabulary, originalTagRule, tagsToGenre, topCountTagRule } from '../src/labels/tags.js';

const shared = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const sample = join(shared, 'lastfm-subset-sample/lastfm_tags_sample.json');
const cls = join(shared, 'tagtraum-cd1/msd_tagtraum_cd1.cls');
const dir = mkdtempSync(join(tmpdir(), 'timbre-labels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tag rules', () => {
  it("the seed rule reproduces the seed's labels on the real lastfm_subset sample", () => {
    const tracks = readLastfmTags(sample);
    expect(tracks).toHaveLength(5);
    expect(tracks[0].tags[0]).toEqual({ name: '60s', count: 100 });
    const got = Object.fromEntries(tracks.map((t) => [t.trackId, originalTagRule(t.tags)]));
    // Expected values from the PROVENANCE of the sample (the seed's extract.py rule).
    expect(got).toEqual({
      TRAAABD128F429CF47: 'rock',
      TRAAADZ128F9348C2E: null,
      TRAAAEF128F4273421: null,
      TRAAAFD128F92F423A: 'punk',
      TRAABJL12903CDCF1A: null,
    });
  });

  it('the default rule takes the highest count and understands aliases', () => {
    const tracks = readLastfmTags(sample);
    const got = Object.fromEntries(tracks.map((t) => [t.trackId, tagsToGenre(t.tags)]));
    expect(got.TRAAABD128F429CF47).toBe('pop'); // pop 41 beats rock 35
    expect(got.TRAAAFD128F92F423A).toBe('punk'); // "punk rock" 100 → punk
    expect(
      topCountTagRule([
        { name: 'Hip_Hop', count: 50 },
        { name: 'jazz', count: 20 },
      ]),
    ).toBe('hip-hop');
    expect(
      topCountTagRule([
        { name: 'HIP-HOP', count: 50 },
        { name: 'hip hop', count: 50 },
      ]),
    ).toBe('hip-hop');
    expect(topCountTagRule([{ name: 'rock', count: 3 }], { minCount: 10 })).toBeNull();
    expect(originalTagRule([{ name: 'Hip Hop', count: 90 }])).toBeNull(); // the seed has no aliases
    expect(normalizeTag('  R&B\t ')).toBe('r&b');
  });

  it('a custom vocabulary restricts and renames', () => {
    const vocab = parseVocabulary('{"genres": ["Latin", "Rock"], "aliases": {"salsa": "Latin"}}', 'v.json');
    expect(tagsToGenre([{ name: 'latin', count: 100 }], { vocabulary: vocab })).toBe('Latin');
    expect(
      tagsToGenre(
        [
          { name: 'Salsa', count: 5 },
          { name: 'pop', count: 90 },
        ],
        { vocabulary: vocab },
      ),
    ).toBe('Latin');
    expect(() => parseVocabulary('{"genres": ["a"], "aliases": {"b": "c"}}', 'v.json')).toThrow(/alias "b" points at "c"/);
    expect(() => parseVocabulary('{oops', 'v.json')).toThrow(/v.json: not valid JSON/);
    expect(() => tagsToGenre([], { rule: 'nope' as never })).toThrow(/unknown rule "nope"/);
  });

  it('labelFromTrackTags counts unmatched tracks', () => {
    const r = labelFromTrackTags(readLastfmTags(sample), { rule: 'original' });
    expect(r.counts).toEqual({ tracks: 5, labelled: 2, noMatchingTag: 3, notFound: 0, failed: 0 });
  });
});

describe('offline files', () => {
  it('reads a lastfm_subset directory tree, one object per file', () => {
    const root = join(dir, 'lastfm_subset');
    mkdirSync(join(root, 'A/B'), { recursive: true });
    writeFileSync(join(root, 'A/B/TRABC.json'), JSON.stringify({ track_id: 'TRABC', artist: 'x', title: 'y', tags: [['Jazz', '100']], similars: [] }));
    writeFileSync(join(root, 'A/TRAAA.json'), JSON.stringify({ track_id: 'TRAAA', artist: 'x', title: 'z', tags: [] }));
    const tracks = readLastfmTags(root);
    expect(tracks.map((t) => t.trackId)).toEqual(['TRABC', 'TRAAA']); // sorted by path: A/B/… < A/TRAAA.json
    writeFileSync(join(root, 'A/bad.json'), JSON.stringify({ track_id: 'TRBAD', tags: [['rock', 'lots']] }));
    expect(() => readLastfmTags(root)).toThrow(/bad.json: tags\[0\] count "lots" is not a number/);
  });

  it('reads the real tagtraum CD1 file', async () => {
    const m = await readTagtraumCls(cls);
    expect(m.size).toBeGreaterThan(130000);
    expect(m.get('TRAAAAW128F429D538')).toEqual({ genre: 'Rap' });
    expect(m.get('TRAAAED128E0783FAB')).toEqual({ genre: 'Jazz', minority: 'Vocal' });
  });

  it('rejects malformed .cls lines with file and line', async () => {
    const p = join(dir, 'bad.cls');
    writeFileSync(p, '# comment\nTRA1\tRock\n\nTRA2\n');
    await expect(readTagtraumCls(p)).rejects.toThrow(/bad.cls:4: expected "TRACK_ID<TAB>genre"/);
    writeFileSync(p, 'TRA1\tRock\nTRA1\tPop\n');
    await expect(readTagtraumCls(p)).rejects.toThrow(/bad.cls:2: track TRA1 is listed twice/);
  });

  it('writes and reads back a label file atomically', async () => {
    const p = join(dir, 'out/labels.cls');
    writeLabelFile(
      p,
      new Map([
        ['TRB', 'rock'],
        ['TRA', 'r&b'],
      ]),
      'made by a test',
    );
    expect(readFileSync(p, 'utf8')).toBe('# made by a test\nTRA\tr&b\nTRB\trock\n');
    expect(Object.fromEntries((await readLabels(p)).labels)).toEqual({ TRA: 'r&b', TRB: 'rock' });
    expect(() => writeLabelFile(p, new Map([['TRC', 'a\tb']]))).toThrow(/contains a tab/);
    expect(readFileSync(p, 'utf8')).toContain('TRB\trock'); // the old file is untouched
    expect(existsSync(join(dir, 'nope.cls'))).toBe(false);
    await expect(readLabels(join(dir, 'nope.cls'))).rejects.toThrow(/nope.cls: no such file/);
  });
});
