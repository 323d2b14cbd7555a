import { describe, expect, it } from "vitest";
import {
  bareToken,
  describeWbToken,
  isExpired,
  readWbToken,
  tokenProblems,
} from "../../src/providers/wildberries/token.ts";

const NOW = Date.parse("2026-03-02T09:00:00.000Z");
const EXP = Date.parse("2026-08-29T09:00:00.000Z") / 1000;

/** A JWT-shaped token with these claims (the signature is not checked, so any will do). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "ES256", kid: "20250904v1", typ: "JWT" })}.${part(claims)}.c2lnbmF0dXJl`;
}

const bits = (...positions: number[]) => positions.reduce((mask, bit) => mask + 2 ** bit, 0);

// The claims of a real WB token as published by a third party (values changed).
const PERSONAL = {
  acc: 3,
  ent: 1,
  exp: EXP,
  for: "self",
  id: "019c41ab-6da6-765e-8fb9-e6247a69fa7e",
  iid: 44511123,
  oid: 4112188,
  s: bits(1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13),
  sid: "764bb5eb-b610-427d-b167-904935fde848",
  t: false,
  uid: 44511123,
};

describe("readWbToken", () => {
  it("reads expiry, type, categories and account of a personal token", () => {
    const info = readWbToken(jwt(PERSONAL));
    expect(info).toMatchObject({
      isJwt: true,
      type: "personal",
      buyerChat: true,
      readOnly: false,
      account: "764bb5eb-b610-427d-b167-904935fde848",
    });
    expect(info.expiresAt?.toISOString()).toBe("2026-08-29T09:00:00.000Z");
    expect(info.categories).toEqual([
      "Контент",
      "Аналитика",
      "Цены и скидки",
      "Маркетплейс",
      "Статистика",
      "Продвижение",
      "Вопросы и отзывы",
      "Чат с покупателями",
      "Поставки",
      "Возвраты покупателями",
      "Документы",
      "bit 13",
    ]);
    expect(isExpired(info, NOW)).toBe(false);
    expect(isExpired(info, EXP * 1000)).toBe(true);
    expect(tokenProblems(info, NOW)).toEqual([]);
  });

  it.each([
    [1, "basic"],
    [2, "test"],
    [3, "personal"],
    [4, "service"],
    [7, "unknown"],
  ])("acc %i is a %s token", (acc, type) => {
    expect(readWbToken(jwt({ ...PERSONAL, acc })).type).toBe(type);
  });

  it("detects a basic token and says what its hourly limits mean", () => {
    const info = readWbToken(jwt({ ...PERSONAL, acc: 1, for: undefined }));
    expect(info.type).toBe("basic");
    const problems = tokenProblems(info, NOW);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/once per hour/);
  });

  it("takes t: true for a test token when acc is missing", () => {
    const { acc: _acc, ...claims } = PERSONAL;
    expect(readWbToken(jwt({ ...claims, t: true })).type).toBe("test");
    expect(readWbToken(jwt(claims)).type).toBe("unknown");
  });

  it("reports a token without the buyers chat bit, read-only, expired", () => {
    const info = readWbToken(jwt({ ...PERSONAL, s: bits(1, 7, 30), exp: NOW / 1000 - 60 }));
    expect(info.buyerChat).toBe(false);
    expect(info.readOnly).toBe(true);
    expect(info.categories).toEqual(["Контент", "Вопросы и отзывы"]);
    const problems = tokenProblems(info, NOW).join("\n");
    expect(problems).toContain("expired on 2026-03-02T08:59:00.000Z");
    expect(problems).toContain('"Чат с покупателями"');
    expect(problems).toContain("read-only");
  });

  it("says unknown for every claim that is absent or of another type", () => {
    const info = readWbToken(jwt({ exp: "soon", s: -1, acc: "3", sid: 42 }));
    expect(info).toEqual({
      isJwt: true,
      expiresAt: undefined,
      type: "unknown",
      categories: "unknown",
      buyerChat: "unknown",
      readOnly: "unknown",
      account: "42",
    });
    expect(isExpired(info, NOW)).toBe("unknown");
    expect(tokenProblems(info, NOW)).toEqual([]);
    expect(describeWbToken(info)).toBe("type unknown, expiry unknown, categories unknown");
  });

  it("reads an exp given in milliseconds as milliseconds", () => {
    expect(readWbToken(jwt({ exp: EXP * 1000 })).expiresAt?.getTime()).toBe(EXP * 1000);
  });

  it.each([
    ["an empty string", ""],
    ["an opaque key", "ACMA:I4c4CxCSYaI41RSC2uYWP2qj3Rhhm4knMiBEga5K:151c0664"],
    ["two parts", "eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9"],
    ["a payload that is not JSON", "eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln"],
    ["a payload that is a JSON array", `eyJhbGciOiJFUzI1NiJ9.${btoa("[1,2]")}.c2ln`],
    ["characters outside base64url", "eyJhbGc!.eyJleHAiOjF9.c2ln"],
    ["the fake's tokens", "eyJhbGciOiJFUzI1NiJ9.chat.sig"],
  ])("treats %s as an unknown token without throwing", (_label, token) => {
    const info = readWbToken(token);
    expect(info.isJwt).toBe(false);
    expect(info.type).toBe("unknown");
    expect(describeWbToken(info)).toBe("not a JWT: type, expiry and categories unknown");
  });

  it("accepts the token with a Bearer prefix and surrounding space", () => {
    const token = jwt(PERSONAL);
    expect(bareToken(`  Bearer ${token} `)).toBe(token);
    expect(bareToken(`bearer   ${token}`)).toBe(token);
    expect(readWbToken(`Bearer ${token}`).type).toBe("personal");
  });

  it("never repeats the token in what it says", () => {
    const token = jwt({ ...PERSONAL, s: bits(30), exp: 1, acc: 2 });
    const said = [
      describeWbToken(readWbToken(token)),
      ...tokenProblems(readWbToken(token), NOW),
      JSON.stringify(readWbToken(token)),
    ].join("\n");
    for (const part of token.split(".")) expect(said).not.toContain(part);
  });
});
