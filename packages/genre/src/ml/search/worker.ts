// Worker-thread entry of the search pool: receives the dataset and objective once (workerData),
// then { index, params } messages, and answers { index, result } or { index, error }.

import { parentPort, workerData } from 'node:worker_threads';
import type { Dataset } from '../types.js';
import { evaluateTrial, type ObjectiveSpec } from './objective.js';
import type { Params } from './space.js';

const { dataset, objective } = workerData as { dataset: Dataset; objective: ObjectiveSpec };

parentPort!.on('message', (msg: { index: number; params: Params }) => {
  try {
    parentPort!.postMessage({ index: msg.index, result: evaluateTrial(dataset, objective, msg.params) });
  } catch (e) {
    parentPort!.postMessage({ index: msg.index, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
parentPort!.postMessage({ ready: true });
