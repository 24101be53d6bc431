import { isIPv4, isIPv6 } from 'node:net';

/** The /ipv4Prefix or /ipv6Prefix network of an address (`203.0.113.0/24`), or null if not an IP. */
export function sourceNetwork(ip: string, ipv4Prefix = 24, ipv6Prefix = 64): string | null {
  const address = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if (isIPv4(address)) {
    const value = address
      .split('.')
      .reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
    const masked = value & mask(32, ipv4Prefix);
    const octets = [24n, 16n, 8n, 0n].map((shift) => String((masked >> shift) & 0xffn));
    return `${octets.join('.')}/${ipv4Prefix}`;
  }
  if (isIPv6(address)) {
    const value = ipv6ToBigInt(address);
    const masked = value & mask(128, ipv6Prefix);
    const groups: string[] = [];
    for (let shift = 112n; shift >= 0n; shift -= 16n) {
      groups.push(((masked >> shift) & 0xffffn).toString(16));
    }
    return `${groups.join(':')}/${ipv6Prefix}`;
  }
  return null;
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address.split('%')[0] ?? address;
  // An embedded IPv4 tail (::ffff:1.2.3.4 forms) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1]) {
    const [a, b, c, d] = v4[1].split('.').map(Number) as [number, number, number, number];
    text = text.replace(v4[1], `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`);
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(fill).fill('0'), ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}
