// Preloaded into the bridge process by the memory figure (NODE_OPTIONS=--import): on SIGUSR2
// it writes the process's memory as one JSON log line to stderr, before and after a full GC
// (the process runs with --expose-gc for this only). It changes nothing else in the process.
process.on("SIGUSR2", () => {
  const before = process.memoryUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const after = process.memoryUsage();
  process.stderr.write(`${JSON.stringify({ msg: "bench memory", before, after })}\n`);
});
