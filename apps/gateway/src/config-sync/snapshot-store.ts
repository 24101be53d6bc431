import { BlockList, isIP, SocketAddress } from 'node:net';
import type {
  ConfigChangeEventData,
  GatewayApi,
  GatewayApplication,
  GatewayCredential,
  GatewayPlan,
  GatewaySnapshot,
  GatewaySubscription,
} from '@portcullis/contracts';
import { compileRoutes, type CompiledRoute } from '../routing/route-matcher.js';

export interface CompiledApi {
  api: GatewayApi;
  routes: CompiledRoute[];
  plans: Map<string, GatewayPlan>;
  upstream: URL;
}

interface Block {
  untilMs: number;
  /** A range's network, prefix length and family; null for one address. */
  subnet: { network: string; prefix: number; family: 'ipv4' | 'ipv6' } | null;
}

/**
 * The gateway's in-memory view of the snapshot, indexed for the hot path (Map lookups only).
 * Revocations that arrive as events are kept beside the snapshot and survive a refresh: a
 * snapshot read just before a revocation committed must not bring the credential back.
 */
export class SnapshotStore {
  #version = -1;
  #issuer = '';
  #apisByBasePath = new Map<string, CompiledApi>();
  #maxBaseSegments = 0;
  #applications = new Map<string, GatewayApplication>();
  #subscriptions = new Map<string, GatewaySubscription>();
  #subscriptionsByAppApi = new Map<string, GatewaySubscription[]>();
  #credentials = new Map<string, GatewayCredential[]>();
  #revokedCredentialIds = new Set<string>();
  #withdrawnCredentialIds = new Set<string>();
  #revokedJtis = new Map<string, number>();
  /** By the spelling a socket reports (`toBlock`), so looking up a source is one Map get. */
  #blocks = new Map<string, Block>();
  /** The active ranges in one list, rebuilt when one is added or lifted and when one lapses. */
  #ranges: BlockList | null = null;
  #rangesLapseAtMs = Number.POSITIVE_INFINITY;
  /**
   * Block changes applied from events, by version, until a snapshot at least that new arrives: a
   * snapshot fetched before such a change committed must not undo it (blocks, unlike revocations,
   * can be lifted, so they cannot simply be kept beside the snapshot).
   */
  #blockChangesAhead: ConfigChangeEventData[] = [];
  #loadedAt: Date | null = null;
  #signingKeysListeners: (() => void)[] = [];

  get loaded(): boolean {
    return this.#loadedAt !== null;
  }
  get version(): number {
    return this.#version;
  }
  get issuer(): string {
    return this.#issuer;
  }
  get loadedAt(): Date | null {
    return this.#loadedAt;
  }

  replace(snapshot: GatewaySnapshot): void {
    const apis = new Map<string, CompiledApi>();
    let maxSegments = 0;
    for (const api of snapshot.apis) {
      const basePath = api.basePath.replace(/\/+$/, '') || '/';
      apis.set(basePath, {
        api,
        routes: compileRoutes(api.routes),
        plans: new Map(api.plans.map((plan) => [plan.id, plan])),
        upstream: new URL(api.upstreamUrl),
      });
      maxSegments = Math.max(maxSegments, segmentsOf(basePath).length);
    }
    const subscriptions = new Map<string, GatewaySubscription>();
    const byAppApi = new Map<string, GatewaySubscription[]>();
    for (const subscription of snapshot.subscriptions) {
      subscriptions.set(
        subscriptionKey(subscription.appId, subscription.apiId, subscription.environment),
        subscription,
      );
      const key = `${subscription.appId}|${subscription.apiId}`;
      byAppApi.set(key, [...(byAppApi.get(key) ?? []), subscription]);
    }
    const credentials = new Map<string, GatewayCredential[]>();
    for (const credential of snapshot.credentials) {
      const key = `${credential.kind}|${credential.lookupId}`;
      credentials.set(key, [...(credentials.get(key) ?? []), credential]);
    }
    for (const token of snapshot.revokedTokens) {
      this.#revokedJtis.set(token.jti, Date.parse(token.expiresAt));
    }
    const blocks = new Map<string, Block>();
    for (const block of snapshot.blockedSources) {
      blocks.set(...toBlock(block.address, Date.parse(block.until)));
    }
    this.#apisByBasePath = apis;
    this.#maxBaseSegments = maxSegments;
    this.#applications = new Map(snapshot.applications.map((app) => [app.id, app]));
    this.#subscriptions = subscriptions;
    this.#subscriptionsByAppApi = byAppApi;
    this.#credentials = credentials;
    this.#blocks = blocks;
    this.#withdrawnCredentialIds = new Set(snapshot.withdrawnCredentialIds);
    this.#blockChangesAhead = this.#blockChangesAhead.filter(
      (change) => change.configVersion > snapshot.configVersion,
    );
    for (const change of this.#blockChangesAhead) this.#applyBlockChange(change);
    this.#compileRanges(Date.now());
    this.#issuer = snapshot.issuer;
    this.#version = Math.max(this.#version, snapshot.configVersion);
    this.#loadedAt = new Date();
    this.#pruneRevokedTokens();
  }

  /**
   * Applies what must take effect at once. Returns true when the change also needs a fresh
   * snapshot (anything that is not a pure revocation, or a gap in versions).
   */
  /** Called when identity announces a signing-key change (a key published, activated, retired). */
  onSigningKeysChanged(listener: () => void): void {
    this.#signingKeysListeners.push(listener);
  }

  apply(change: ConfigChangeEventData): boolean {
    const gap = this.#version >= 0 && change.configVersion > this.#version + 1;
    const untilMs = change.until ? Date.parse(change.until) : Number.POSITIVE_INFINITY;
    let immediate = true;
    switch (change.kind) {
      case 'credential.revoked':
        this.#revokedCredentialIds.add(change.entityId);
        break;
      case 'token.revoked':
        this.#revokedJtis.set(change.entityId, untilMs);
        break;
      case 'source.blocked':
      case 'source.unblocked':
        this.#applyBlockChange(change);
        this.#compileRanges(Date.now());
        this.#blockChangesAhead.push(change);
        break;
      case 'signing_keys.changed':
        for (const listener of this.#signingKeysListeners) listener();
        break;
      default:
        immediate = false;
    }
    if (immediate && !gap) this.#version = Math.max(this.#version, change.configVersion);
    return gap || !immediate || change.kind === 'credential.revoked';
  }

  #applyBlockChange(change: ConfigChangeEventData): void {
    const untilMs = change.until ? Date.parse(change.until) : Number.POSITIVE_INFINITY;
    const [key, block] = toBlock(change.entityId, untilMs);
    if (change.kind === 'source.unblocked') this.#blocks.delete(key);
    else this.#blocks.set(key, block);
  }

  #compileRanges(now: number): void {
    let ranges: BlockList | null = null;
    let lapseAtMs = Number.POSITIVE_INFINITY;
    for (const { subnet, untilMs } of this.#blocks.values()) {
      if (!subnet || untilMs <= now) continue;
      ranges ??= new BlockList();
      ranges.addSubnet(subnet.network, subnet.prefix, subnet.family);
      lapseAtMs = Math.min(lapseAtMs, untilMs);
    }
    this.#ranges = ranges;
    this.#rangesLapseAtMs = lapseAtMs;
  }

  /** The API whose base path is the longest prefix of the path. */
  apiFor(path: string): { api: CompiledApi; rest: string } | null {
    const parts = segmentsOf(path);
    for (let length = Math.min(parts.length, this.#maxBaseSegments); length >= 0; length -= 1) {
      const base = `/${parts.slice(0, length).join('/')}`;
      const api = this.#apisByBasePath.get(base);
      if (api) {
        const rest = base === '/' ? path : path.slice(base.length);
        return { api, rest: rest === '' ? '/' : rest };
      }
    }
    return null;
  }

  application(appId: string): GatewayApplication | undefined {
    return this.#applications.get(appId);
  }

  subscription(appId: string, apiId: string, environment: string): GatewaySubscription | undefined {
    return this.#subscriptions.get(subscriptionKey(appId, apiId, environment));
  }

  subscriptionsOf(appId: string, apiId: string): readonly GatewaySubscription[] {
    return this.#subscriptionsByAppApi.get(`${appId}|${apiId}`) ?? [];
  }

  credentials(kind: GatewayCredential['kind'], lookupId: string): readonly GatewayCredential[] {
    return this.#credentials.get(`${kind}|${lookupId}`) ?? [];
  }

  isCredentialRevoked(credentialId: string): boolean {
    return this.#revokedCredentialIds.has(credentialId);
  }

  /** Revoked (by event, or in the snapshot) or suspended: tokens issued to it no longer count. */
  isCredentialWithdrawn(credentialId: string): boolean {
    return (
      this.#revokedCredentialIds.has(credentialId) || this.#withdrawnCredentialIds.has(credentialId)
    );
  }

  isTokenRevoked(jti: string): boolean {
    const until = this.#revokedJtis.get(jti);
    return until !== undefined && until > Date.now();
  }

  /**
   * `address` as the socket reports it (RFC 5952 for IPv6, IPv4-mapped IPv6 as plain IPv4); blocks
   * were brought to that spelling when they arrived.
   */
  isBlocked(address: string): boolean {
    if (this.#blocks.size === 0) return false;
    const now = Date.now();
    const single = this.#blocks.get(address);
    if (single !== undefined && single.untilMs > now) return true;
    if (now >= this.#rangesLapseAtMs) this.#compileRanges(now);
    return this.#ranges?.check(address, address.includes(':') ? 'ipv6' : 'ipv4') ?? false;
  }

  #pruneRevokedTokens(): void {
    const now = Date.now();
    for (const [jti, until] of this.#revokedJtis) if (until <= now) this.#revokedJtis.delete(jti);
  }
}

function subscriptionKey(appId: string, apiId: string, environment: string): string {
  return `${appId}|${apiId}|${environment}`;
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * A blocked address or range under the spelling a socket reports, so that every spelling of it
 * (`2001:0DB8:0:0::1`, `::ffff:10.0.0.1`, `::ffff:10.0.0.0/104`) blocks, and unblocks, the same
 * source. Text that is neither is kept as it came and matches no address.
 */
function toBlock(entry: string, untilMs: number): [key: string, block: Block] {
  const unmatchable: [string, Block] = [entry, { untilMs, subnet: null }];
  const [host = '', prefixText, ...rest] = entry.split('/');
  const spelled = socketSpelling(host);
  if (spelled === null || rest.length > 0) return unmatchable;
  const plain = unmapped(spelled);
  if (prefixText === undefined) return [plain, { untilMs, subnet: null }];
  if (!/^\d{1,3}$/.test(prefixText)) return unmatchable;
  let prefix = Number(prefixText);
  let network = spelled;
  if (plain !== spelled && prefix >= 96) {
    network = plain;
    prefix -= 96;
  }
  const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
  if (prefix > (family === 'ipv6' ? 128 : 32)) return unmatchable;
  return [`${network}/${prefix}`, { untilMs, subnet: { network, prefix, family } }];
}

/** libuv's text for an address (what `socket.remoteAddress` holds), or null if not one. */
function socketSpelling(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  try {
    return new SocketAddress({ address, family: family === 6 ? 'ipv6' : 'ipv4' }).address;
  } catch {
    return null;
  }
}

/** IPv4-mapped IPv6 as plain IPv4, as the pipeline reports a source. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
