// Preloaded into the bridge process by the shops figure (NODE_OPTIONS=--import): the event
// loop's delay (perf_hooks monitorEventLoopDelay, a 10 ms timer), and on SIGUSR2 its figures
// since the last signal as one JSON log line to stderr, then a fresh start. The timer's own
// 10 ms are taken off, so 0 is a loop that never kept a timer waiting. It changes nothing else.
import { monitorEventLoopDelay } from "node:perf_hooks";

const RESOLUTION_MS = 10;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
const late = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);

process.on("SIGUSR2", () => {
  const line = {
    msg: "bench loop delay",
    samples: histogram.count,
    p50Ms: late(histogram.percentile(50)),
    p99Ms: late(histogram.percentile(99)),
    maxMs: late(histogram.max),
  };
  histogram.reset();
  process.stderr.write(`${JSON.stringify(line)}\n`);
});
