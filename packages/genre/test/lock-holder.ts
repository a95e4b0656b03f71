// Test helper run as a child process: takes extraction's lock on the output given as argument,
// prints "locked <pid>" and holds it until stdin closes (or the process is killed).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { acquireOutputLock } from '../src/io/lock.js';

mkdirSync(dirname(process.argv[2]), { recursive: true });

const lock = acquireOutputLock(process.argv[2], 'extract');
process.stdout.write(`locked ${process.pid}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  lock.release();
  process.exit(0);
});
