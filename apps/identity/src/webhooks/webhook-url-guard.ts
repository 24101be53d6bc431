import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@portcullis/nest-service';
import type { IdentityConfig } from '../config.js';
import { classifyAddress, hostOf } from '../destinations/address-class.js';

/**
 * What a client is told about any refused destination. The same text whether the host does not
 * resolve, resolves to an internal address or is one: anyone who owns a team can register a
 * webhook, so a reason naming the address, its class or the DNS error would tell a stranger which
 * internal host names exist and where they point. The precise reason is logged for operators.
 */
export const WEBHOOK_DESTINATION_REFUSED =
  'The webhook URL must name a host that resolves to public addresses only. An operator can allow an internal destination with WEBHOOK_ALLOWED_PRIVATE_HOSTS.';

export type DestinationCheck =
  | { ok: true; addresses: string[] }
  | {
      ok: false;
      /**
       * For identity's log only (host, address, its class or the DNS error): never a response,
       * which says WEBHOOK_DESTINATION_REFUSED for every refusal.
       */
      reason: string;
    };

type Resolver = (host: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * Keeps webhooks away from internal destinations (SSRF): loopback, private, link-local, cloud
 * metadata and other non-public addresses are refused unless the host name or the address is in
 * WEBHOOK_ALLOWED_PRIVATE_HOSTS (loopback is allowed in development and test). Checked when an
 * endpoint is registered and again at every delivery, on the address actually connected to, so a
 * DNS answer that changed since registration (rebinding) is caught.
 */
@Injectable()
export class WebhookUrlGuard {
  private readonly hosts = new Set<string>();
  private readonly ranges = new BlockList();
  private readonly allowLoopback: boolean;
  private resolver: Resolver = systemResolver;

  constructor(@Inject(CONFIG) config: IdentityConfig) {
    this.allowLoopback = config.NODE_ENV === 'development' || config.NODE_ENV === 'test';
    for (const entry of config.WEBHOOK_ALLOWED_PRIVATE_HOSTS) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address!);
      if (family === 0) this.hosts.add(entry.replace(/\.$/, ''));
      else if (prefix === undefined)
        this.ranges.addAddress(address!, family === 4 ? 'ipv4' : 'ipv6');
      else this.ranges.addSubnet(address!, Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** For tests: answer DNS questions from a table instead of the system resolver. */
  useResolver(resolver: Resolver): void {
    this.resolver = resolver;
  }

  /** Null when `host` may be reached at `address`; else why not (for logs, not for clients). */
  refusal(host: string, address: string): string | null {
    const kind = classifyAddress(address);
    if (kind === null) return null;
    if (kind === 'loopback' && this.allowLoopback) return null;
    if (this.hosts.has(host.toLowerCase().replace(/\.$/, ''))) return null;
    const family = isIP(address);
    if (family !== 0 && this.ranges.check(address, family === 4 ? 'ipv4' : 'ipv6')) return null;
    return `${address} is a ${kind} address (allow it with WEBHOOK_ALLOWED_PRIVATE_HOSTS)`;
  }

  /**
   * Resolves the URL's host and checks every address it has now. A refusal carries the precise
   * `reason` for the log and the one client `message` for every kind of refusal.
   */
  async check(url: URL): Promise<DestinationCheck> {
    const host = hostOf(url);
    let addresses: string[];
    if (isIP(host) !== 0) {
      addresses = [host];
    } else {
      try {
        addresses = (await this.resolver(host)).map((entry) => entry.address);
      } catch (error) {
        return refused(`${host} does not resolve (${codeOf(error)})`);
      }
      if (addresses.length === 0) return refused(`${host} does not resolve`);
    }
    for (const address of addresses) {
      const refusal = this.refusal(host, address);
      if (refusal) return refused(refusal);
    }
    return { ok: true, addresses };
  }

  /**
   * A `lookup` for the delivery socket: resolves, refuses the connection when any address is not
   * allowed, and hands over only checked addresses, so what is checked is what is dialled.
   */
  readonly lookup: LookupFunction = (hostname, options, callback): void => {
    const all = typeof options === 'object' && options.all === true;
    this.resolver(hostname).then(
      (entries) => {
        for (const entry of entries) {
          const refusal = this.refusal(hostname, entry.address);
          if (refusal) {
            const error: NodeJS.ErrnoException = new Error(`destination not allowed: ${refusal}`);
            error.code = 'EDESTINATIONNOTALLOWED';
            callback(error, '');
            return;
          }
        }
        if (entries.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`${hostname} does not resolve`);
          error.code = 'ENOTFOUND';
          callback(error, '');
          return;
        }
        if (all) callback(null, entries);
        else callback(null, entries[0]!.address, entries[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

function refused(reason: string): DestinationCheck {
  return { ok: false, reason };
}

function codeOf(error: unknown): string {
  return (error as { code?: string }).code ?? 'lookup failed';
}
