// Finding MSD files and splitting them into shards. Paths are compared relative to the input root
// with '/' separators, so listings, shard membership and output order are the same on every machine.
import { listFiles, type InputFile, type ListFilesOptions } from '../io/files.js';

/** A shard: this process handles files whose path hash is `index` modulo `count`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * Every `.h5` file under `root` (any depth: the MSD's data/A/B/C layout or anything else), sorted by
 * relative path; a file path is a one-file input (see `listFiles`).
 */
export function listMsdFiles(root: string, options: ListFilesOptions = {}): InputFile[] {
  return listFiles(root, '.h5', options);
}

/** FNV-1a (32-bit) of the UTF-8 bytes of `s`: a stable, dependency-free hash for sharding. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(s, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The files of `shard` (all files when `shard` is null). */
export function shardFiles<T extends { readonly rel: string }>(files: readonly T[], shard: Shard | null): T[] {
  if (shard === null || shard.count === 1) return files.slice();
  return files.filter((f) => fnv1a(f.rel) % shard.count === shard.index);
}

/**
 * Parses "i/n" (0 <= i < n). With `env` given, "/n" or a bare "n" take i from
 * JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array).
 */
export function parseShard(spec: string, env: Record<string, string | undefined> = process.env): Shard {
  const m = /^\s*(\d*)\s*\/\s*(\d+)\s*$/.exec(spec) ?? /^\s*()(\d+)\s*$/.exec(spec);
  if (m === null) throw new RangeError(`--shard: "${spec}" is not i/n (e.g. 3/16) or /n with the index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID`);
  const count = Number(m[2]);
  let indexText = m[1];
  let from = 'the argument';
  if (indexText === '') {
    const k8s = env.JOB_COMPLETION_INDEX,
      slurm = env.SLURM_ARRAY_TASK_ID;
    if (k8s !== undefined && k8s !== '') {
      indexText = k8s;
      from = 'JOB_COMPLETION_INDEX';
    } else if (slurm !== undefined && slurm !== '') {
      indexText = slurm;
      from = 'SLURM_ARRAY_TASK_ID';
    } else throw new RangeError(`--shard ${spec}: no shard index given and neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set`);
  }
  const index = Number(indexText);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`--shard ${spec}: shard count must be >= 1`);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`--shard ${spec}: shard index ${indexText} (from ${from}) is not in [0, ${count - 1}]`);
  }
  return { index, count };
}

/** "SongCSV.csv" -> "SongCSV.shard-0003-of-0016.csv" (no change without a shard). */
export function shardedName(path: string, shard: Shard | null): string {
  if (shard === null) return path;
  const tag = `shard-${String(shard.index).padStart(4, '0')}-of-${String(shard.count).padStart(4, '0')}`;
  const m = /^(.*?)(\.[^./\\]*)?$/.exec(path)!;
  return `${m[1]}.${tag}${m[2] ?? ''}`;
}

export type { InputFile };
