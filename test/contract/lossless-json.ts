// Ozon's message ids are uint64 values written as bare JSON numbers, more digits than a double
// holds. FakeOzon and the contract test both read request bodies with this parser. It lives with
// the contract, not in the fake, so the contract test does not judge the client with fake code.

/** JSON.parse that keeps integers beyond 2^53 exact, as bigint (needs source text access). */
export function parseLossless(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) => {
    const source = context?.source;
    if (
      typeof value === "number" &&
      !Number.isSafeInteger(value) &&
      source !== undefined &&
      /^-?[0-9]+$/.test(source)
    ) {
      return BigInt(source);
    }
    return value;
  });
}
