// Source-address allow-lists for the push endpoints (marketplaces sign nothing; their documented
// source ranges are the only check besides the secret path). Node's BlockList does the matching,
// and it matches "1.2.3.4" and "::ffff:1.2.3.4" (how a dual-stack socket reports an IPv4 peer)
// alike, against a range written either way.
import { BlockList, isIP } from "node:net";

export interface AllowList {
  /** True when the list is empty (allow all) or a range holds the address. */
  allows(address: string): boolean;
}

/**
 * Parses a list of ranges: a comma or whitespace separated string (the environment) or an array
 * (an accounts file). A bare address is a single-host range. An empty list allows everyone.
 * Throws an Error naming the first bad entry.
 */
export function parseAllowList(input: string | readonly string[]): AllowList {
  const entries = (typeof input === "string" ? [input] : input)
    .flatMap((part) => part.split(/[\s,]+/))
    .filter((entry) => entry !== "");
  if (entries.length === 0) return { allows: () => true };
  const ranges = new BlockList();
  for (const entry of entries) {
    if (!add(ranges, entry)) {
      throw new Error(
        `"${entry}" is not an IPv4 or IPv6 address or CIDR range (e.g. 195.34.21.0/24)`,
      );
    }
  }
  return { allows: (address) => ranges.check(address, isIP(address) === 6 ? "ipv6" : "ipv4") };
}

/** Adds an address or CIDR range; false when the entry is neither. */
function add(ranges: BlockList, entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  // Zones (fe80::1%eth0) name an interface of this host; they mean nothing in a range.
  if (family === 0 || address.includes("%") || rest.length > 0) return false;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (prefix === undefined) {
    ranges.addAddress(address, type);
    return true;
  }
  // Digits only: Number() would also read "", "0x8" and "1e1".
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128)) return false;
  ranges.addSubnet(address, Number(prefix), type);
  return true;
}
