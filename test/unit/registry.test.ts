// The registry's connectors fit together: what one declares never shadows another's, and what
// the rest of the program reads from them (keys, aliases, variables, push parsers) agrees.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TOPIC_ICON_COLORS } from "../../src/bridge/account.ts";
import { textsFor } from "../../src/bridge/texts/index.ts";
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

  it("says each marketplace's facts in both staff languages alike", () => {
    for (const c of connectors) {
      const { ru, en } = c.words;
      const examples = (w: typeof ru) =>
        Object.entries(w.startNumbers).map(([kind, n]) => [kind, n?.example]);
      expect(examples(en), c.marketplace).toEqual(examples(ru));
      expect(Object.keys(en.refusals ?? {}), c.marketplace).toEqual(Object.keys(ru.refusals ?? {}));
      expect(en.sendForbidden === undefined, c.marketplace).toBe(ru.sendForbidden === undefined);
      expect(en.startForbidden === undefined, c.marketplace).toBe(ru.startForbidden === undefined);
    }
  });

  it("leaves the generic staff texts free of any marketplace's name or facts", () => {
    const names = connectors.flatMap((c) => [c.title, ...c.aliases]);
    // "маркет" is Yandex Market's alias, "маркетплейс" a word of every marketplace.
    const asWord = (name: string) => new RegExp(`(?<!\\p{L})${name}(?!\\p{L})`, "iu");
    const facts = /premium|fbo|fbs|47873153|\bwb\b|\bym\b/i;
    for (const language of ["ru", "en"] as const) {
      const said: string[] = [];
      const render = (value: unknown): void => {
        if (typeof value === "string") said.push(value);
        // One-element arrays read as their element in a template, and /help takes a list.
        else if (typeof value === "function") {
          // A formatter of dates refuses a list: it holds no words to check.
          let out: unknown;
          try {
            out = value(["x"], ["y"], ["z"]);
          } catch {
            return;
          }
          render(out);
        } else if (typeof value === "object" && value !== null)
          Object.values(value).forEach(render);
      };
      render(textsFor(language));
      for (const text of said) {
        expect(text, language).not.toMatch(facts);
        for (const name of names) expect(text, language).not.toMatch(asWord(name));
      }
    }
  });
});
