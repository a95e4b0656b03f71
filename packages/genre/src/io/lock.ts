// An exclusive lock on an output path: `<path>.lock`, created with O_EXCL and holding the owner's pid,
// host name and start time as JSON. A lock whose owner is a dead process on this host is stale and is
// taken over (the caller reports it); a lock held by a live process, or by any process on another host
// (whose liveness cannot be checked from here), is an error naming the output and the holder.
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/** What a lock file says about its owner. */
export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  /** ISO 8601 time the owner took the lock. */
  readonly started: string;
}

/** A held lock. `staleLock` is the dead owner's lock this one replaced, if any. */
export interface OutputLock {
  readonly path: string;
  readonly info: LockInfo;
  readonly staleLock: LockInfo | null;
  /** Removes the lock file if it is still this process's (idempotent). */
  release(): void;
}

/** Thrown when another run holds the lock; `holder` says who. */
export class LockHeldError extends Error {
  override name = 'LockHeldError';
  readonly holder: LockInfo | null;
  readonly lockPath: string;

  constructor(message: string, lockPath: string, holder: LockInfo | null) {
    super(message);
    this.lockPath = lockPath;
    this.holder = holder;
  }
}

const isErrno = (e: unknown, code: string): boolean => (e as NodeJS.ErrnoException | null)?.code === code;

/** True if a process with this pid exists on this host (EPERM: it exists but belongs to someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isErrno(e, 'EPERM');
  }
}

function parseLock(text: string): LockInfo | null {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (Number.isInteger(v.pid) && (v.pid as number) > 0 && typeof v.hostname === 'string' && typeof v.started === 'string') {
      return { pid: v.pid as number, hostname: v.hostname, started: v.started };
    }
  } catch {
    /* not JSON: reported below */
  }
  return null;
}

function tryCreate(lockPath: string, text: string): boolean {
  let fd = -1;
  try {
    fd = openSync(lockPath, 'wx');
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } catch (e) {
    closeSync(fd);
    fd = -1;
    rmSync(lockPath, { force: true });
    throw e;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return true;
}

/**
 * Takes the lock on `output` (the file `<output>.lock`) for a run of command `op`, or throws a
 * {@link LockHeldError} naming the output and the holder. The caller must `release()` it when done,
 * in a `finally`.
 *
 * ```ts
 * const lock = acquireOutputLock('out/SongCSV.csv', 'extract');
 * try { … } finally { lock.release(); }
 * ```
 */
export function acquireOutputLock(output: string, op: string): OutputLock {
  const lockPath = `${output}.lock`;
  const info: LockInfo = { pid: process.pid, hostname: hostname(), started: new Date().toISOString() };
  const text = JSON.stringify(info) + '\n';
  let staleLock: LockInfo | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath, text)) {
      let released = false;
      return {
        path: lockPath,
        info,
        staleLock,
        release(): void {
          if (released) return;
          released = true;
          let current = '';
          try {
            current = readFileSync(lockPath, 'utf8');
          } catch {
            return;
          }
          if (current === text) rmSync(lockPath, { force: true });
        },
      };
    }
    let held = '';
    try {
      held = readFileSync(lockPath, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) continue; // released between our create and our read: try again
      throw e;
    }
    const holder = parseLock(held);
    if (holder === null) {
      throw new LockHeldError(
        `${op}: ${output} is locked by ${lockPath}, which does not say who holds it; ` + 'if no other run writes this output, delete the lock file and rerun',
        lockPath,
        null,
      );
    }
    const who = `pid ${holder.pid} on ${holder.hostname}, since ${holder.started}`;
    if (holder.hostname !== info.hostname) {
      throw new LockHeldError(
        `${op}: ${output} is being written by another run (${who}); ` + `wait for it, or if that run is gone, delete ${lockPath} and rerun`,
        lockPath,
        holder,
      );
    }
    if (processAlive(holder.pid)) {
      throw new LockHeldError(
        `${op}: ${output} is being written by another run (${who}); ` + 'wait for it to finish or stop it, or choose another output',
        lockPath,
        holder,
      );
    }
    // Stale: move it aside under a name of our own, so that of two runs taking it over only one wins,
    // and check that what was moved is the dead owner's lock and not a new owner's.
    const aside = `${lockPath}.${process.pid}.stale`;
    try {
      renameSync(lockPath, aside);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) continue;
      throw e;
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved !== held) {
      try {
        linkSync(aside, lockPath);
      } catch {
        /* a third run holds it now: reported on the next attempt */
      }
      rmSync(aside, { force: true });
      continue;
    }
    rmSync(aside, { force: true });
    staleLock = holder;
  }
  throw new LockHeldError(`${op}: could not take the lock ${lockPath}: other runs keep taking it`, lockPath, null);
}
