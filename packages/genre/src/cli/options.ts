// Option parsers and output helpers shared by the commands (commander calls a parser with the raw string).
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import type { LabelRuleOptions } from '../labels/label.js';
import { parseVocabulary, type TagRule } from '../labels/tags.js';

export const int =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got "${v}"`);
    return n;
  };
export const float =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${v}"`);
    return n;
  };
export const intList =
  (name: string) =>
  (v: string): number[] =>
    v.split(',').map((s) => int(name)(s.trim()));
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
export const seedsArg = (v: string): number[] => {
  // "5" = seeds 1..5; "1,7,9" = those seeds.
  if (/^\d+$/.test(v.trim())) {
    const n = Number(v);
    if (n < 1) throw new InvalidArgumentError('--seeds must be >= 1');
    return Array.from({ length: n }, (_, i) => i + 1);
  }
  return intList('--seeds')(v);
};
/** A JSON-object flag (`--model-options '{"nRounds":300}'`). */
export const jsonArg =
  (name: string) =>
  (v: string): Record<string, unknown> => {
    let o: unknown;
    try {
      o = JSON.parse(v);
    } catch (e) {
      throw new InvalidArgumentError(`${name} must be a JSON object such as '{"nRounds":300}': ${(e as Error).message}`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o))
      throw new InvalidArgumentError(`${name} must be a JSON object such as '{"nRounds":300}', got ${v}`);
    return o as Record<string, unknown>;
  };
/** An integer flag with a lower bound. */
export const intAtLeast =
  (name: string, min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
/** `--patience`: epochs, or 'none' (commander turns a parser's null into '', so 'none' stays a string until `mlpOverrides`). */
export const patienceArg = (v: string): number | 'none' => (v === 'none' ? 'none' : int('--patience')(v));

/** Options of the program itself, seen by every command. */
export interface Globals {
  json?: boolean;
}

/** One JSON object on stdout with --json (non-finite numbers as null), else the human text. */
export function print(json: boolean | undefined, human: string, obj: unknown): void {
  if (json) process.stdout.write(JSON.stringify(obj, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
  else process.stdout.write(human + '\n');
}

/** A fraction as a percentage with one decimal. */
export const pct = (v: number) => (v * 100).toFixed(1);

/** The tag → genre rule from --rule, --vocabulary and --min-count. */
export function ruleOptions(o: { rule?: string; vocabulary?: string; minCount?: number }): LabelRuleOptions {
  const out: LabelRuleOptions = {};
  if (o.rule !== undefined) {
    if (o.rule !== 'original' && o.rule !== 'top-count') throw new Error(`--rule must be original or top-count, got "${o.rule}"`);
    out.rule = o.rule as TagRule;
  }
  if (o.vocabulary !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.vocabulary, 'utf8');
    } catch {
      throw new Error(`--vocabulary ${o.vocabulary}: cannot read the file`);
    }
    out.vocabulary = parseVocabulary(text, o.vocabulary);
  }
  if (o.minCount !== undefined) out.minCount = o.minCount;
  return out;
}
