// Worker of msd-fuzz.test.ts: parses each buffer it is sent and reports how the reader reacted, so
// the test thread stays free to notice a hang.
import { parentPort } from 'node:worker_threads';
import { readSongs } from '../src/msd/reader.js';
import { MsdFormatError } from '../src/msd/errors.js';

export interface FuzzReply {
  k: number;
  kind: 'ok' | 'msd-error' | 'other-error' | 'non-error';
  message: string;
}

parentPort!.on('message', (m: { k: number; name: string; bytes: Uint8Array }) => {
  let reply: FuzzReply;
  try {
    const songs = readSongs(m.bytes, { name: m.name });
    reply = { k: m.k, kind: 'ok', message: `${songs.length} song(s)` };
  } catch (e) {
    if (e instanceof MsdFormatError) reply = { k: m.k, kind: 'msd-error', message: e.message };
    else if (e instanceof Error) reply = { k: m.k, kind: 'other-error', message: `${e.name}: ${e.message}` };
    else reply = { k: m.k, kind: 'non-error', message: `${typeof e}: ${String(e)}` };
  }
  parentPort!.postMessage(reply);
});
