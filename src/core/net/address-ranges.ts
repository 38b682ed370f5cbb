/**
 * Whether an IP address is on the public internet. Push delivery POSTs to a URL a browser
 * handed in (web push), so anything that could reach this machine or its network is refused: loopback,
 * private, link-local, CGNAT, unique-local, multicast, documentation and reserved ranges, and
 * IPv6 forms that embed such an IPv4 address (mapped, compatible, NAT64, 6to4).
 */
export function isPublicAddress(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4) return isPublicIpv4(v4);
  const v6 = parseIpv6(address);
  return v6 ? isPublicIpv6(v6) : false;
}

/** An IP literal (v4 or v6, brackets allowed) rather than a host name. */
export const isIpLiteral = (host: string): boolean =>
  parseIpv4(host) !== null || parseIpv6(host.replace(/^\[(.*)\]$/, '$1')) !== null;

type Ipv4 = readonly [number, number, number, number];

/** Dotted decimal only: the shorthand forms (`127.1`, hex, octal) are not addresses here. */
function parseIpv4(s: string): Ipv4 | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? (parts as unknown as Ipv4) : null;
}

/** [first address, prefix length] of each range that is not public (RFC 6890 and kin). */
const V4_BLOCKED: readonly (readonly [Ipv4, number])[] = [
  [[0, 0, 0, 0], 8], // "this" network
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // CGNAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local (cloud metadata lives here)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation
  [[192, 88, 99, 0], 24], // 6to4 relay anycast
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation
  [[203, 0, 113, 0], 24], // documentation
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, and broadcast
];

const v4Number = (a: Ipv4): number => ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;

function isPublicIpv4(a: Ipv4): boolean {
  const n = v4Number(a);
  return !V4_BLOCKED.some(([base, bits]) => {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (n & mask) >>> 0 === (v4Number(base) & mask) >>> 0;
  });
}

/** Eight 16-bit groups; a trailing dotted IPv4 (`::ffff:127.0.0.1`) fills the last two. */
function parseIpv6(input: string): number[] | null {
  let s = input.toLowerCase();
  // A zone (`fe80::1%eth0`) only ever names a link-local address.
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(':')) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIpv4(last);
    if (!v4) return null;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const rest = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  let all: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - rest.length;
    if (missing < 1) return null;
    all = [...head, ...Array<number>(missing).fill(0), ...rest];
  } else {
    all = head;
  }
  if (all.length !== 8) return null;
  if (tail.length) all.splice(6, 2, ...tail);
  return all;
}

const embeddedV4 = (g: readonly number[], at: number): Ipv4 => [
  (g[at] ?? 0) >> 8,
  (g[at] ?? 0) & 0xff,
  (g[at + 1] ?? 0) >> 8,
  (g[at + 1] ?? 0) & 0xff,
];

function isPublicIpv6(g: readonly number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, , , g5 = 0] = g;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated; includes :: and ::1).
  if (zeros(0, 5) && (g5 === 0xffff || g5 === 0)) return isPublicIpv4(embeddedV4(g, 6));
  // 64:ff9b::/96 and 64:ff9b:1::/48: NAT64 reaches the IPv4 address inside.
  if (g0 === 0x64 && g1 === 0xff9b && (zeros(2, 6) || g2 === 1)) {
    return isPublicIpv4(embeddedV4(g, 6));
  }
  // 2002::/16, 6to4: the IPv4 address follows the prefix.
  if (g0 === 0x2002) return isPublicIpv4(embeddedV4(g, 1));
  // Only global unicast (2000::/3) is public; that leaves out unique-local fc00::/7,
  // link-local fe80::/10, multicast ff00::/8 and the unassigned rest.
  if ((g0 & 0xe000) !== 0x2000) return false;
  // 2001::/23 holds Teredo and IETF special purposes; 2001:db8::/32 is documentation.
  if (g0 === 0x2001 && g1 < 0x200) return false;
  if (g0 === 0x2001 && g1 === 0xdb8) return false;
  // 3fff::/20 is documentation too (RFC 9637).
  if (g0 === 0x3fff && g1 < 0x1000) return false;
  return true;
}

/**
 * The bucket a client address is counted in for rate limits: an IPv4 address itself, an
 * IPv6 address by its /64 (one subscriber usually holds a whole /64), null for no address.
 */
export function addressBucket(address: string): string | null {
  const v4 = parseIpv4(address);
  if (v4) return v4.join('.');
  const v6 = parseIpv6(address);
  if (!v6) return null;
  if (v6.slice(0, 5).every((x) => x === 0) && v6[5] === 0xffff) return embeddedV4(v6, 6).join('.');
  return `${v6
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}
