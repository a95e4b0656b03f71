// npm run bench: runs every micro-benchmark in one process (placeholder until the suites land).
console.log('no benchmarks yet');
