// The staff's texts: dates and times in the staff's zone (TIMEZONE), in their language.
import { describe, expect, it } from "vitest";
import { textsFor } from "../../src/bridge/texts/index.ts";

// 2026-12-31 21:30 UTC: 1 January in Moscow (UTC+3) and Yekaterinburg (UTC+5), still 31 December in London.
const AT = Date.parse("2026-12-31T21:30:00Z");

describe("textsFor", () => {
  it("tells dates and times in Moscow by default", () => {
    const t = textsFor("ru");
    expect(t.time(AT)).toBe("00:30");
    expect(t.date(AT)).toBe("1 января 2027 г.");
  });

  it("tells them in TIMEZONE, in the staff's language", () => {
    expect(textsFor("ru", "Asia/Yekaterinburg").time(AT)).toBe("02:30");
    const london = textsFor("en", "Europe/London");
    expect(london.time(AT)).toBe("21:30");
    expect(london.date(AT)).toBe("31 December 2026");
    expect(london.headerTitle).toBe("🛒 New buyer chat");
  });
});
