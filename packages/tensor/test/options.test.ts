// Options bags refuse unknown keys, naming the key and the closest known one.
import { describe, expect, it } from 'vitest';
import { Rng, checkOptions, matmul, setParallel, startWorker, zeros } from '../src/index.js';
import { closest } from '../src/options.js';

describe('checkOptions', () => {
  it('passes known keys and no options; refuses unknown keys with the closest known one', () => {
    expect(() => checkOptions('f', { a: 1, bb: 2 }, ['a', 'bb', 'c'])).not.toThrow();
    expect(() => checkOptions('f', undefined, ['a'])).not.toThrow();
    expect(() => checkOptions('Adam', { weight_decay: 0.5 }, ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'])).toThrow(
      new TypeError("Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?)"),
    );
    expect(() => checkOptions('f', { lrr: 1 }, ['lr', 'momentum'])).toThrow("f: unknown option 'lrr' (did you mean 'lr'?)");
    expect(() => checkOptions('f', { zzzz: 1 }, ['lr', 'momentum'])).toThrow("f: unknown option 'zzzz' (known options: lr, momentum)");
    expect(() => checkOptions('f', { x: 1 }, [])).toThrow("f: unknown option 'x' (it takes no options)");
    expect(() => checkOptions('f', 3 as unknown as object, ['a'])).toThrow('f: options must be an object, got number');
    expect(() => checkOptions('f', null, ['a'])).toThrow('f: options must be an object, got null');
  });
  it('closest: snake_case and case differences first, then small edit distances only', () => {
    expect(closest('batch_size', ['batchSize', 'shuffle'])).toBe('batchSize');
    expect(closest('LR', ['lr'])).toBe('lr');
    expect(closest('momentun', ['momentum', 'dampening'])).toBe('momentum');
    expect(closest('shufle', ['batchSize', 'shuffle'])).toBe('shuffle');
    expect(closest('q', ['lr', 'eps'])).toBe(null);
  });
  it('tensor functions with options refuse unknown keys', () => {
    const a = zeros([2, 2]);
    expect(() => matmul(a, a, { transposeB: true } as never)).toThrow("matmul: unknown option 'transposeB' (did you mean 'transB'?)");
    expect(() => new Rng(1).choice(3, 2, { replacement: false } as never)).toThrow("Rng.choice: unknown option 'replacement' (did you mean 'replace'?)");
    expect(() => setParallel({ enable: false } as never)).toThrow("setParallel: unknown option 'enable' (did you mean 'enabled'?)");
    expect(() => startWorker(new URL('file:///nowhere.js'), null, { environment: {} } as never)).toThrow("startWorker: unknown option 'environment'");
  });
});
