// The genre example: until the pipeline lands, a tiny matmul demo on what exists.
import { Rng, matmul, randn } from '@timbre/tensor';

const rng = new Rng(42);
const a = randn([4, 3], rng), b = randn([3, 2], rng);
console.log('a·b =', matmul(a, b).toArray());
