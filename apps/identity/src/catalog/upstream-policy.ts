import { BlockList, isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@portcullis/nest-service';
import type { IdentityConfig } from '../config.js';
import { classifyAddress, embeddedIpv4, hostOf } from '../destinations/address-class.js';

/**
 * Where an API's upstream may point. Upstreams are internal services as a rule (loopback and
 * private addresses are fine), but the gateway fetches them with its own network identity, so a
 * team that could aim it at the cloud instance-metadata service would read the gateway's cloud
 * credentials through its own subscription (SSRF). Host names are judged as written: no DNS.
 */

/** Instance-metadata services by name (GCP and its short name). */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal']);

type UpstreamHost =
  { kind: 'address'; address: string; family: 'ipv4' | 'ipv6' } | { kind: 'name'; name: string };

/**
 * The host the gateway would dial, as the WHATWG URL parser (the gateway's) reads it: so
 * `0xa9fea9fe` is 169.254.169.254. IPv4 inside IPv6 (mapped, NAT64) is unwrapped, because
 * dialling it reaches the IPv4 host. Null for a URL that does not parse.
 */
function upstreamHostOf(url: string): UpstreamHost | null {
  let host: string;
  try {
    host = hostOf(new URL(url)).toLowerCase();
  } catch {
    return null;
  }
  const family = isIP(host);
  if (family === 4) return { kind: 'address', address: host, family: 'ipv4' };
  if (family === 6) {
    const embedded = embeddedIpv4(host);
    return embedded
      ? { kind: 'address', address: embedded, family: 'ipv4' }
      : { kind: 'address', address: host, family: 'ipv6' };
  }
  // `metadata.google.internal.` (fully qualified) is the same host.
  return { kind: 'name', name: host.replace(/\.+$/, '') };
}

/** Why no API may use this upstream whatever the configuration, or null. */
export function alwaysRefusedUpstream(url: string): string | null {
  const host = upstreamHostOf(url);
  if (!host) return null;
  if (host.kind === 'name') {
    return METADATA_NAMES.has(host.name)
      ? `${host.name} is a cloud instance-metadata service; no API may use it as its upstream`
      : null;
  }
  switch (classifyAddress(host.address)) {
    case 'metadata':
      return `${host.address} is a cloud instance-metadata address; no API may use it as its upstream`;
    case 'link-local':
      return `${host.address} is a link-local address (where cloud metadata services answer); no API may use it as its upstream`;
    default:
      return null;
  }
}

/**
 * The refusals above, plus CATALOG_UPSTREAM_ALLOWED_HOSTS when it is set: names match exactly or
 * by `*.suffix`, IP literals by address or CIDR range (a name never matches a range: no DNS).
 */
@Injectable()
export class UpstreamPolicy {
  private readonly restricted: boolean;
  private readonly names = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly ranges = new BlockList();

  constructor(@Inject(CONFIG) config: Pick<IdentityConfig, 'CATALOG_UPSTREAM_ALLOWED_HOSTS'>) {
    const entries = config.CATALOG_UPSTREAM_ALLOWED_HOSTS;
    this.restricted = entries.length > 0;
    for (const entry of entries) {
      if (entry.startsWith('*.')) {
        this.suffixes.push(entry.slice(1));
        continue;
      }
      const [address, prefix] = entry.split('/');
      const family = isIP(address!);
      if (family === 0) this.names.add(entry);
      else if (prefix === undefined) {
        this.ranges.addAddress(address!, family === 4 ? 'ipv4' : 'ipv6');
      } else this.ranges.addSubnet(address!, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Why `url` may not be an upstream here, or null. */
  refusal(url: string): string | null {
    const refused = alwaysRefusedUpstream(url);
    if (refused || !this.restricted) return refused;
    const host = upstreamHostOf(url);
    if (!host) return null;
    if (host.kind === 'address') {
      return this.ranges.check(host.address, host.family)
        ? null
        : `${host.address} is not in CATALOG_UPSTREAM_ALLOWED_HOSTS`;
    }
    const allowed =
      this.names.has(host.name) || this.suffixes.some((suffix) => host.name.endsWith(suffix));
    return allowed ? null : `${host.name} is not in CATALOG_UPSTREAM_ALLOWED_HOSTS`;
  }
}
