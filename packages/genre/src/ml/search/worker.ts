// Worker-thread entry of the search pool: the dataset and objective arrive once (the pool's init),
// then each job is one trial's params.
import type { Dataset } from '../types.js';
import { serveJobs } from '../../parallel/pool.js';
import { evaluateTrial, type ObjectiveSpec, type TrialScore } from './objective.js';
import type { Params } from './space.js';

serveJobs<Params, TrialScore, never, { dataset: Dataset; objective: ObjectiveSpec }>('search', (params, _progress, { dataset, objective }) =>
  evaluateTrial(dataset, objective, params),
);
