import { BlockList, isIP } from 'node:net';
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
  address: string;
  untilMs: number;
  range: BlockList | null;
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
  #blocks = new Map<string, Block>();
  /**
   * Block changes applied from events, by version, until a snapshot at least that new arrives: a
   * snapshot fetched before such a change committed must not undo it (blocks, unlike revocations,
   * can be lifted, so they cannot simply be kept beside the snapshot).
   */
  #blockChangesAhead: ConfigChangeEventData[] = [];
  #loadedAt: Date | null = null;

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
      blocks.set(block.address, toBlock(block.address, Date.parse(block.until)));
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
    this.#issuer = snapshot.issuer;
    this.#version = Math.max(this.#version, snapshot.configVersion);
    this.#loadedAt = new Date();
    this.#pruneRevokedTokens();
  }

  /**
   * Applies what must take effect at once. Returns true when the change also needs a fresh
   * snapshot (anything that is not a pure revocation, or a gap in versions).
   */
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
        this.#blockChangesAhead.push(change);
        break;
      case 'signing_keys.changed':
        break;
      default:
        immediate = false;
    }
    if (immediate && !gap) this.#version = Math.max(this.#version, change.configVersion);
    return gap || !immediate || change.kind === 'credential.revoked';
  }

  #applyBlockChange(change: ConfigChangeEventData): void {
    if (change.kind === 'source.unblocked') {
      this.#blocks.delete(change.entityId);
      return;
    }
    const untilMs = change.until ? Date.parse(change.until) : Number.POSITIVE_INFINITY;
    this.#blocks.set(change.entityId, toBlock(change.entityId, untilMs));
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

  isBlocked(address: string): boolean {
    if (this.#blocks.size === 0) return false;
    const now = Date.now();
    for (const block of this.#blocks.values()) {
      if (block.untilMs <= now) continue;
      if (block.address === address) return true;
      if (block.range?.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4')) return true;
    }
    return false;
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

function toBlock(address: string, untilMs: number): Block {
  const [network, prefix] = address.split('/');
  let range: BlockList | null = null;
  if (network && prefix && isIP(network)) {
    range = new BlockList();
    try {
      range.addSubnet(network, Number(prefix), isIP(network) === 6 ? 'ipv6' : 'ipv4');
    } catch {
      range = null;
    }
  }
  return { address, untilMs, range };
}
