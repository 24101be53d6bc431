import { isIP } from 'node:net';

/** Narrowest ranges a block may cover: anything wider would lock out much of the internet. */
const MIN_PREFIX = { 4: 8, 6: 32 } as const;

export type SourceAddressResult = { ok: true; address: string } | { ok: false; problem: string };

/**
 * Validates an IP address or CIDR range to block and returns it in the form the gateway compares
 * against request addresses: IPv6 compressed and lower-case (`2001:db8::1`), IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`) as plain IPv4, a range as its network address (`10.1.0.0/16`).
 */
export function normaliseSourceAddress(input: string): SourceAddressResult {
  const value = input.trim();
  const [host, prefixText, ...rest] = value.split('/');
  if (!host || rest.length > 0)
    return { ok: false, problem: 'must be an IP address or CIDR range' };
  let address = canonicalIp(host);
  if (address === null) return { ok: false, problem: 'must be an IP address or CIDR range' };
  const family = isIP(address) as 4 | 6;
  if (prefixText === undefined) return { ok: true, address };
  if (!/^\d{1,3}$/.test(prefixText)) return { ok: false, problem: 'has an invalid prefix length' };
  const prefix = Number(prefixText);
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return { ok: false, problem: 'has an invalid prefix length' };
  if (prefix < MIN_PREFIX[family]) {
    return {
      ok: false,
      problem: `covers too much: the widest range is /${MIN_PREFIX[family]} for IPv${family}`,
    };
  }
  if (prefix === bits) return { ok: true, address };
  address = networkAddress(address, family, prefix);
  return { ok: true, address: `${address}/${prefix}` };
}

/** Canonical text of an IP address, or null when it is not one. */
export function canonicalIp(text: string): string | null {
  const family = isIP(text);
  if (family === 4) return text.split('.').map(Number).join('.');
  if (family !== 6) return null;
  // The WHATWG URL parser prints IPv6 in its canonical (RFC 5952) form.
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return [high >> 8, high & 255, low >> 8, low & 255].join('.');
  }
  return canonical;
}

function networkAddress(address: string, family: 4 | 6, prefix: number): string {
  const bytes = family === 4 ? ipv4Bytes(address) : ipv6Bytes(address);
  for (let bit = prefix; bit < bytes.length * 8; bit += 1) {
    bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  }
  if (family === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let index = 0; index < 16; index += 2) {
    groups.push(((bytes[index]! << 8) | bytes[index + 1]!).toString(16));
  }
  return canonicalIp(groups.join(':'))!;
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const expand = (groups: string[]) =>
    groups.flatMap((group) => {
      if (group.includes('.')) return ipv4Bytes(group);
      const value = parseInt(group, 16);
      return [value >> 8, value & 255];
    });
  const headBytes = expand(headGroups);
  const tailBytes = expand(tailGroups);
  const zeros = new Array<number>(16 - headBytes.length - tailBytes.length).fill(0);
  return [...headBytes, ...(tail === undefined ? [] : zeros), ...tailBytes];
}
