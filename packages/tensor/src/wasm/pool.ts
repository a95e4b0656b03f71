// Second core: splits large products across worker threads (stub until the pool lands).
export function parallelMatmul(_layout: 'NN' | 'NT' | 'TN', _C: number, _A: number, _B: number, _bias: number,
                               _M: number, _K: number, _N: number, _alpha: number, _beta: number, _act: number): boolean {
  return false;
}
