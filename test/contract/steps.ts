// What both contract tests use to drive a client: they call every provider method once in
// beforeAll and judge the recorded requests in separate tests, so one call that throws (a 400
// for a violation, say) must not stop the calls after it, or the checks would only ever see the
// first violation.

/** A step runner and the failures of the steps it ran. */
export interface Steps {
  /** Runs `run`; when it throws, records "name: message" and resolves with undefined. */
  step<T>(name: string, run: () => Promise<T>): Promise<T | undefined>;
  /** Every failed step, oldest first; a test expects it empty. */
  readonly failures: string[];
}

export function steps(): Steps {
  const failures: string[] = [];
  return {
    failures,
    async step<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
      try {
        return await run();
      } catch (error) {
        failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    },
  };
}

/** `length` bytes in a fixed pattern per `seed`: each payload differs, and reruns send the same. */
export function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 17 + (i >> 3)) & 0xff;
  return out;
}
