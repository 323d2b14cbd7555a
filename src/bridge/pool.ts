// A fixed number of workers over a list: enough parallelism to hide latency, never a flood.

/** Runs `work` for every item, at most `parallel` at a time. */
export async function inPool<T>(
  items: T[],
  parallel: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
}
