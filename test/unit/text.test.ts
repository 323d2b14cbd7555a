import { describe, expect, it } from "vitest";
import { escapeHtml, splitText } from "../../src/bridge/text.ts";

describe("splitText", () => {
  it("keeps short text whole", () => {
    expect(splitText("  hello  ", 10)).toEqual(["hello"]);
  });

  it("splits 2 500 characters into ordered parts of at most 1 000 at word boundaries", () => {
    const words = Array.from({ length: 500 }, (_, i) => `w${String(i).padStart(3, "0")}`);
    const text = words.join(" ");
    const parts = splitText(text, 1000);
    expect(parts.length).toBe(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1000);
    expect(parts.join(" ")).toBe(text);
  });

  it("prefers paragraph boundaries", () => {
    const text = `${"a".repeat(600)}\n\n${"b".repeat(300)} ${"c".repeat(300)}`;
    expect(splitText(text, 1000)).toEqual([
      "a".repeat(600),
      `${"b".repeat(300)} ${"c".repeat(300)}`,
    ]);
  });

  it("cuts a word that has no boundary without splitting a surrogate pair", () => {
    const text = `${"x".repeat(9)}😀${"y".repeat(5)}`;
    const parts = splitText(text, 10);
    expect(parts.join("")).toBe(text);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(10);
      expect(part).not.toMatch(/[\uD800-\uDBFF]$/);
    }
  });

  it("returns nothing for whitespace", () => {
    expect(splitText(" \n\t ", 10)).toEqual([]);
  });
});

describe("escapeHtml", () => {
  it("escapes what Telegram's HTML mode parses", () => {
    expect(escapeHtml("<b>1 & 2</b> *x* `y`")).toBe("&lt;b&gt;1 &amp; 2&lt;/b&gt; *x* `y`");
  });
});
