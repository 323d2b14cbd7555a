import { describe, expect, it } from "vitest";
import { parseAllowList } from "../../src/http/ip-allow-list.ts";

/** The addresses of `candidates` that `list` lets through. */
function allowed(list: string, candidates: readonly string[]): string[] {
  const allowList = parseAllowList(list);
  return candidates.filter((address) => allowList.allows(address));
}

describe("parseAllowList: matching", () => {
  it("matches IPv4 ranges, including peers reported as IPv4-mapped IPv6", () => {
    expect(
      allowed("195.34.21.0/24", [
        "195.34.21.0",
        "195.34.21.255",
        "::ffff:195.34.21.17",
        "::ffff:c322:1511",
        "195.34.22.1",
        "::ffff:195.34.22.1",
        // The same 32 bits outside the mapped block are a different (IPv6) address.
        "::c322:1511",
      ]),
    ).toEqual(["195.34.21.0", "195.34.21.255", "::ffff:195.34.21.17", "::ffff:c322:1511"]);
  });

  it("handles prefixes that do not fall on an octet", () => {
    expect(allowed("185.73.192.0/22", ["185.73.195.255", "185.73.196.0"])).toEqual([
      "185.73.195.255",
    ]);
    expect(allowed("5.45.207.0/25", ["5.45.207.127", "5.45.207.128"])).toEqual(["5.45.207.127"]);
  });

  it("matches IPv6 ranges, and IPv4 written as a mapped IPv6 range or address", () => {
    expect(allowed("2001:db8::/32", ["2001:db8:ffff::1", "2001:DB8::2", "2001:db9::1"])).toEqual([
      "2001:db8:ffff::1",
      "2001:DB8::2",
    ]);
    expect(allowed("2001:db8::/32", ["1.2.3.4", "::ffff:1.2.3.4"])).toEqual([]);
    expect(allowed("::ffff:10.0.0.0/104", ["10.200.3.4", "::ffff:10.0.0.9", "11.0.0.1"])).toEqual([
      "10.200.3.4",
      "::ffff:10.0.0.9",
    ]);
    expect(allowed("::ffff:1.2.3.4", ["1.2.3.4", "1.2.3.5"])).toEqual(["1.2.3.4"]);
  });

  it("treats a bare address as a single host and ignores host bits of a range", () => {
    expect(allowed("10.1.2.3", ["10.1.2.3", "::ffff:10.1.2.3", "10.1.2.4"])).toEqual([
      "10.1.2.3",
      "::ffff:10.1.2.3",
    ]);
    expect(allowed("10.1.2.3/8", ["10.200.0.1", "11.0.0.0"])).toEqual(["10.200.0.1"]);
    expect(allowed("::1", ["::1", "::2", "127.0.0.1"])).toEqual(["::1"]);
  });

  it("reads /0 as every address of its family, IPv6 holding the mapped IPv4 ones", () => {
    expect(allowed("0.0.0.0/0", ["8.8.8.8", "2001:db8::1"])).toEqual(["8.8.8.8"]);
    expect(allowed("::/0", ["2001:db8::1", "8.8.8.8"])).toEqual(["2001:db8::1", "8.8.8.8"]);
  });

  it("never matches something that is not an address", () => {
    for (const list of ["0.0.0.0/0", "::/0"]) {
      expect(allowed(list, ["", "unknown", "1.2.3", "256.1.1.1", "1.2.3.4/32"])).toEqual([]);
    }
  });
});

describe("parseAllowList: reading", () => {
  it("reads comma or whitespace separated strings and arrays", () => {
    const list = parseAllowList("195.34.21.0/24, 185.73.192.0/22\n91.223.93.0/24");
    const candidates = ["195.34.21.1", "185.73.193.1", "::ffff:91.223.93.5", "127.0.0.1"];
    expect(candidates.filter((address) => list.allows(address))).toEqual(candidates.slice(0, 3));
    const array = parseAllowList(["5.45.207.0/25", "2001:db8::/32"]);
    expect(array.allows("2001:db8::5")).toBe(true);
    expect(array.allows("5.45.207.1")).toBe(true);
    expect(array.allows("127.0.0.1")).toBe(false);
  });

  it("allows everyone when empty", () => {
    expect(parseAllowList("").allows("203.0.113.9")).toBe(true);
    expect(parseAllowList(" , ").allows("2001:db8::1")).toBe(true);
    expect(parseAllowList([]).allows("::1")).toBe(true);
  });

  it("refuses what is not an address or range, naming the entry", () => {
    for (const entry of [
      "1.2.3",
      "1.2.3.4.5",
      "256.1.1.1",
      "01.2.3.4",
      "0x7f.0.0.1",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "12345::",
      "g::1",
      "example.com",
      "1.2.3.4/33",
      "::/129",
      "1.2.3.4/",
      "1.2.3.4/-1",
      "1.2.3.4/2a",
      "1.2.3.4/0x8",
      "1.2.3.4/8/8",
      // Zones name an interface of this host; they mean nothing in a range.
      "fe80::1%eth0",
      "fe80::1%eth0/64",
    ]) {
      expect(() => parseAllowList(`10.0.0.0/8, ${entry}`), entry).toThrow(
        `"${entry}" is not an IPv4 or IPv6 address or CIDR range`,
      );
    }
    expect(() => parseAllowList(["10.0.0.0/8", "localhost"])).toThrow(/"localhost"/);
  });
});
