import { describe, expect, it } from "vitest";
import { contains, parseAllowList, parseCidr, parseIp } from "../../src/http/ip-allow-list.ts";

function cidr(text: string) {
  const range = parseCidr(text);
  if (!range) throw new Error(`bad test range ${text}`);
  return range;
}

describe("parseIp", () => {
  it("reads IPv4, IPv6 and IPv4-mapped IPv6 into one space", () => {
    expect(parseIp("1.2.3.4")).toBe(parseIp("::ffff:1.2.3.4"));
    expect(parseIp("::ffff:1.2.3.4")).toBe(parseIp("::ffff:102:304"));
    expect(parseIp("::1")).toBe(1n);
    expect(parseIp("2001:db8::")).toBe(0x20010db8n << 96n);
    expect(parseIp("2001:DB8:0:0:0:0:0:1")).toBe((0x20010db8n << 96n) | 1n);
    expect(parseIp("fe80::1%eth0")).toBe((0xfe80n << 112n) | 1n);
  });

  it("rejects what is not an address", () => {
    for (const text of [
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "0x7f.0.0.1",
      "1.2.3.4/24",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "12345::",
      "g::1",
      "1.2.3.4::",
      "example.com",
    ]) {
      expect(parseIp(text), text).toBeUndefined();
    }
  });
});

describe("parseCidr and contains", () => {
  it("matches IPv4 ranges, including peers reported as IPv4-mapped IPv6", () => {
    const range = cidr("195.34.21.0/24");
    expect(contains(range, "195.34.21.0")).toBe(true);
    expect(contains(range, "195.34.21.255")).toBe(true);
    expect(contains(range, "::ffff:195.34.21.17")).toBe(true);
    expect(contains(range, "195.34.22.1")).toBe(false);
    expect(contains(range, "::ffff:195.34.22.1")).toBe(false);
    // The same 32 bits outside the mapped block are a different (IPv6) address.
    expect(contains(range, "::c322:1511")).toBe(false);
  });

  it("handles prefixes that do not fall on an octet", () => {
    const range = cidr("185.73.192.0/22");
    expect(contains(range, "185.73.195.255")).toBe(true);
    expect(contains(range, "185.73.196.0")).toBe(false);
    const half = cidr("5.45.207.0/25");
    expect(contains(half, "5.45.207.127")).toBe(true);
    expect(contains(half, "5.45.207.128")).toBe(false);
  });

  it("matches IPv6 ranges and IPv4 written as a mapped IPv6 range", () => {
    const v6 = cidr("2001:db8::/32");
    expect(contains(v6, "2001:db8:ffff::1")).toBe(true);
    expect(contains(v6, "2001:db9::1")).toBe(false);
    expect(contains(v6, "1.2.3.4")).toBe(false);
    const mapped = cidr("::ffff:10.0.0.0/104");
    expect(contains(mapped, "10.200.3.4")).toBe(true);
    expect(contains(mapped, "11.0.0.1")).toBe(false);
  });

  it("treats a bare address as a single host and clears host bits", () => {
    const host = cidr("10.1.2.3");
    expect(contains(host, "10.1.2.3")).toBe(true);
    expect(contains(host, "10.1.2.4")).toBe(false);
    expect(cidr("10.1.2.3/8").network).toBe(cidr("10.0.0.0/8").network);
    expect(contains(cidr("10.1.2.3/8"), "10.200.0.1")).toBe(true);
    expect(contains(cidr("::1"), "::1")).toBe(true);
  });

  it("reads /0 as every address of its family", () => {
    expect(contains(cidr("0.0.0.0/0"), "8.8.8.8")).toBe(true);
    expect(contains(cidr("0.0.0.0/0"), "2001:db8::1")).toBe(false);
    expect(contains(cidr("::/0"), "2001:db8::1")).toBe(true);
    expect(contains(cidr("::/0"), "8.8.8.8")).toBe(true);
  });

  it("rejects bad prefixes and zones", () => {
    for (const text of [
      "1.2.3.4/33",
      "::/129",
      "1.2.3.4/",
      "1.2.3.4/-1",
      "1.2.3.4/2a",
      "fe80::1%eth0/64",
    ]) {
      expect(parseCidr(text), text).toBeUndefined();
    }
  });

  it("never matches something that is not an address", () => {
    expect(contains(cidr("0.0.0.0/0"), "")).toBe(false);
    expect(contains(cidr("::/0"), "unknown")).toBe(false);
  });
});

describe("parseAllowList", () => {
  it("reads comma or whitespace separated strings and arrays", () => {
    const list = parseAllowList("195.34.21.0/24, 185.73.192.0/22\n91.223.93.0/24");
    expect(list.ranges.map((r) => r.text)).toEqual([
      "195.34.21.0/24",
      "185.73.192.0/22",
      "91.223.93.0/24",
    ]);
    expect(list.allows("91.223.93.5")).toBe(true);
    expect(list.allows("::ffff:185.73.193.1")).toBe(true);
    expect(list.allows("127.0.0.1")).toBe(false);
    expect(parseAllowList(["5.45.207.0/25", "2001:db8::/32"]).allows("2001:db8::5")).toBe(true);
  });

  it("allows everyone when empty", () => {
    expect(parseAllowList("").allows("203.0.113.9")).toBe(true);
    expect(parseAllowList(" , ").ranges).toEqual([]);
    expect(parseAllowList([]).allows("::1")).toBe(true);
  });

  it("names the bad entry and the setting in its error", () => {
    expect(() => parseAllowList("195.34.21.0/24, 195.34.21/24", "OZON_PUSH_ALLOW")).toThrow(
      /OZON_PUSH_ALLOW: "195\.34\.21\/24" is not an IPv4 or IPv6 address or CIDR range/,
    );
    expect(() => parseAllowList(["10.0.0.0/8", "localhost"])).toThrow(/"localhost"/);
  });
});
