// Source-address allow-lists for the push endpoints (marketplaces sign nothing; their documented
// source ranges are the only check besides the secret path). Every address is compared as a
// 128-bit IPv6 value with IPv4 mapped into ::ffff:0:0/96, so "1.2.3.4", "::ffff:1.2.3.4" (how a
// dual-stack socket reports an IPv4 peer) and a range written either way all match each other.

/** One range: the first address and the prefix length, both in the IPv6 space. */
export interface Cidr {
  /** The entry as written in the configuration. */
  readonly text: string;
  readonly network: bigint;
  readonly prefix: number;
}

export interface AllowList {
  readonly ranges: readonly Cidr[];
  /** True when the list is empty (allow all) or a range holds the address. */
  allows(address: string): boolean;
}

const V4_MAPPED = 0xffffn << 32n;
const ALL_BITS = (1n << 128n) - 1n;

/**
 * Parses a list of ranges: a comma or whitespace separated string (the environment) or an array
 * (an accounts file). A bare address is a single-host range. An empty list allows everyone.
 * Throws an Error naming the first bad entry.
 */
export function parseAllowList(input: string | readonly string[], what = "allow-list"): AllowList {
  const entries = (typeof input === "string" ? [input] : input)
    .flatMap((part) => part.split(/[\s,]+/))
    .filter((entry) => entry !== "");
  const ranges = entries.map((entry) => {
    const range = parseCidr(entry);
    if (!range) {
      throw new Error(
        `${what}: "${entry}" is not an IPv4 or IPv6 address or CIDR range (e.g. 195.34.21.0/24)`,
      );
    }
    return range;
  });
  return {
    ranges,
    allows: (address) => ranges.length === 0 || ranges.some((range) => contains(range, address)),
  };
}

/** An address or CIDR range, or undefined. Host bits are cleared: 10.1.2.3/8 → 10.0.0.0/8. */
export function parseCidr(entry: string): Cidr | undefined {
  const text = entry.trim();
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  // Zones (fe80::1%eth0) name an interface of this host; they mean nothing in a range.
  if (addressText.includes("%")) return undefined;
  const parsed = parseAddress(addressText);
  if (!parsed) return undefined;
  const maxPrefix = parsed.v4 ? 32 : 128;
  let prefix = maxPrefix;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > maxPrefix) return undefined;
  }
  const prefix128 = parsed.v4 ? prefix + 96 : prefix;
  return { text, network: parsed.value & mask(prefix128), prefix: prefix128 };
}

/** Whether the range holds the address; false for anything that is not an address. */
export function contains(range: Cidr, address: string): boolean {
  const parsed = parseAddress(stripZone(address.trim()));
  return parsed !== undefined && (parsed.value & mask(range.prefix)) === range.network;
}

/** An IP address as a 128-bit value (IPv4 mapped), or undefined when it is not one. */
export function parseIp(address: string): bigint | undefined {
  return parseAddress(stripZone(address.trim()))?.value;
}

function stripZone(address: string): string {
  const percent = address.indexOf("%");
  return percent < 0 ? address : address.slice(0, percent);
}

function mask(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL_BITS << BigInt(128 - prefix)) & ALL_BITS;
}

function parseAddress(text: string): { value: bigint; v4: boolean } | undefined {
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return { value: V4_MAPPED | v4, v4: true };
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { value: v6, v4: false };
}

// Dotted decimal only: the inet_aton forms ("10.1", "0x7f.1", "010.0.0.1") are rejected because
// they read differently in different tools, which is the last thing an allow-list should do.
function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] ?? "");
  const tail = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (!head || !tail) return undefined;
  // An embedded IPv4 is only allowed as the last 32 bits.
  if (halves.length === 2 && halves[0]?.includes(".")) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return undefined;
  const all = [...head, ...Array<number>(8 - total).fill(0), ...tail];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** Colon-separated 16-bit groups; a trailing dotted IPv4 counts as two. */
function groups(text: string): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const out: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      out.push(Number.parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return out;
}
