// A Wildberries API token as the bridge reads it: a JWT whose claims say its type, categories and
// seller (src/providers/wildberries/token.ts). The signature is not checked by the bridge, and the
// fake WB knows tokens by their whole value, so any signature part will do.

/** A personal token (acc 3) with the buyers chat category (bit 9), valid for a year. */
export function wbToken(seller: string): string {
  return [
    { alg: "ES256", typ: "JWT" },
    { acc: 3, exp: Math.floor(Date.now() / 1000) + 365 * 24 * 3600, s: 2 ** 9, sid: seller },
    "signature-not-checked",
  ]
    .map((part) => Buffer.from(JSON.stringify(part)).toString("base64url"))
    .join(".");
}
