// JSON logs on stdout. Secrets are scrubbed from the final line, not by field path, because a
// token can hide anywhere: an error message, a URL, a nested cause.
// Errors are logged as `{ err: error }`: the line shows the message, and at debug level the
// stack and causes too.
import { pino } from "pino";
import { errorText } from "./bridge/errors.ts";

export type Logger = pino.Logger;

export function createLogger(level: string, secrets: string[]): Logger {
  const hidden = secrets.filter((s) => s.length >= 4);
  const detailed = level === "debug" || level === "trace";
  return pino({
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: {
      err: (error: unknown) =>
        detailed && error instanceof Error ? pino.stdSerializers.err(error) : errorText(error),
    },
    hooks: {
      streamWrite: (line) => scrub(line, hidden),
    },
  });
}

export function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  }
  return out;
}
