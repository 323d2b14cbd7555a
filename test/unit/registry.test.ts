// The registry's connectors fit together: what one declares never shadows another's, and what
// the rest of the program reads from them (keys, aliases, variables, push parsers) agrees.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TOPIC_ICON_COLORS } from "../../src/bridge/account.ts";
import { ENVIRONMENT_VARIABLES } from "../../src/config.ts";
import { connectors } from "../../src/providers/registry.ts";

const all = <T>(pick: (c: (typeof connectors)[number]) => readonly T[]) => connectors.flatMap(pick);
const unique = <T>(list: readonly T[]) => new Set(list).size === list.length;

describe("the registry", () => {
  it("keys each marketplace once, in a form fit for URLs and account ids", () => {
    const keys = all((c) => [c.marketplace]);
    expect(unique(keys)).toBe(true);
    for (const key of keys) expect(key).toMatch(/^[a-z][a-z0-9]*$/);
  });

  it("gives every word staff may type to one marketplace only", () => {
    const words = all((c) => [...new Set([c.marketplace, ...c.aliases])]);
    expect(unique(words)).toBe(true);
    for (const c of connectors) {
      expect(c.aliases.length, c.marketplace).toBeGreaterThan(0);
      for (const alias of c.aliases) expect(alias).toBe(alias.toLowerCase());
    }
  });

  it("has each variable declared by one connector, and every one read by config", () => {
    const variables = all((c) => [
      ...Object.keys(c.env),
      ...(c.push ? [c.push.allowedIpsVariable] : []),
    ]);
    expect(unique(variables)).toBe(true);
    for (const name of variables) expect(ENVIRONMENT_VARIABLES).toContain(name);
  });

  it("colours topics with a colour Telegram allows", () => {
    for (const c of connectors) {
      expect(Object.values(TOPIC_ICON_COLORS), c.marketplace).toContain(c.iconColor);
    }
  });

  it("routes each push endpoint to its own marketplace's parser", () => {
    for (const c of connectors) {
      if (c.push) expect(c.push.parser.marketplace).toBe(c.marketplace);
    }
  });

  it("accepts an ACCOUNTS_FILE entry only under the connector's own key", () => {
    for (const c of connectors) {
      for (const other of connectors) {
        if (other === c) continue;
        expect(c.entry.safeParse({ marketplace: other.marketplace }).success).toBe(false);
      }
    }
  });

  it("describes no account and reports nothing when none of its variables is set", () => {
    for (const c of connectors) {
      const problems: string[] = [];
      expect(c.fromEnv(z.object(c.env).parse({}), problems), c.marketplace).toBeUndefined();
      expect(problems).toEqual([]);
    }
  });
});
