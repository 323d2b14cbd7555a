export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  message?: string;
}

type Falsy = undefined | null | false | 0 | "";

/**
 * Polls `predicate` until it returns a truthy value and resolves with that value.
 * Tests use this instead of fixed sleeps so they are as fast as the system under test allows
 * and fail with a readable reason instead of a flaky assertion.
 */
export async function waitFor<T>(
  predicate: () => T | Falsy | Promise<T | Falsy>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      // A predicate that throws (e.g. an expect() inside it) is treated as "not yet";
      // the last such error is reported if the deadline passes.
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  const what = options.message ?? "condition";
  const reason =
    lastError === undefined
      ? ""
      : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
  throw new Error(`waitFor timed out after ${timeoutMs} ms waiting for ${what}${reason}`, {
    cause: lastError,
  });
}
