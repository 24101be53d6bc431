import type { Context } from '@opentelemetry/api';
import type { AccessReason, AuthMethod, Environment, GatewayPlan } from '@portcullis/contracts';
import type { CompiledApi } from '../config-sync/snapshot-store.js';
import type { CompiledRoute } from '../routing/route-matcher.js';

/** Who the caller proved to be. */
export interface CallerIdentity {
  authMethod: Exclude<AuthMethod, 'none'>;
  appId: string;
  teamId: string | null;
  developerId: string | null;
  clientId: string | null;
  credentialId: string | null;
  environment: Environment;
  /** Scopes the token carries; null for API keys and Basic (the subscription's apply). */
  tokenScopes: string[] | null;
  tokenJti: string | null;
}

/** Everything the policies learn about one request, and what the access event reports. */
export interface RequestContext {
  requestId: string;
  startedAt: bigint;
  /** The OpenTelemetry context holding this request's server span (propagated upstream). */
  trace: Context;
  method: string;
  /** Normalised path (no query), or the raw path while it is not yet validated. */
  path: string;
  query: string;
  sourceIp: string;
  userAgent: string | null;
  /** Thumbprint (base64url SHA-256 of DER) of the client certificate over mTLS. */
  clientCertThumbprint: string | null;
  api: CompiledApi | null;
  route: CompiledRoute | null;
  /** Path below the API's base path. */
  apiPath: string;
  caller: CallerIdentity | null;
  subscriptionId: string | null;
  plan: GatewayPlan | null;
  scopes: string[];
  corsOrigin: string | null;
  responseHeaders: Record<string, string>;
  status: number;
  reason: AccessReason;
  upstreamMs: number | null;
  bytesIn: number;
  bytesOut: number;
  /** Whether the response cache answered (hit) or was consulted and missed; null when off. */
  cache: 'hit' | 'miss' | null;
  /** Set when Redis was down and the in-memory fallback counted this request (fail-open APIs). */
  rateLimitFallback?: true;
}
