import { createHash } from 'node:crypto';
import { CanonicalJsonText, canonicalJson } from './canonical-json.js';

/** What a stored row says: every column a query or export shows, plus the event body. */
export interface AuditRowContent {
  id: string;
  time: Date;
  type: string;
  version: number;
  source: string;
  traceId: string | null;
  teamId: string | null;
  appId: string | null;
  clientId: string | null;
  apiId: string | null;
  action: string | null;
  decision: string | null;
  reason: string | null;
  status: number | null;
  sourceIp: string | null;
  latencyMs: number | null;
  data: unknown;
}

/** Where a row sits in its chain. */
export interface ChainPosition {
  chain: string;
  chainSeq: number;
  prevHash: string | null;
}

/** SHA-256 (hex) of the canonical JSON of the row's content: the expensive part, done before locking. */
export function contentDigest(content: AuditRowContent): string {
  return hashContent(content).digest;
}

export interface HashedContent {
  digest: string;
  /** Canonical JSON of `data`: the writer sends it to PostgreSQL as is instead of serialising again. */
  dataJson: string;
}

/** The content digest and the canonical JSON of `data` it was computed over. */
export function hashContent(content: AuditRowContent): HashedContent {
  const dataJson = canonicalJson(content.data);
  const canonical = canonicalJson({
    id: content.id,
    time: content.time.toISOString(),
    type: content.type,
    version: content.version,
    source: content.source,
    traceId: content.traceId,
    teamId: content.teamId,
    appId: content.appId,
    clientId: content.clientId,
    apiId: content.apiId,
    action: content.action,
    decision: content.decision,
    reason: content.reason,
    status: content.status,
    sourceIp: content.sourceIp,
    latencyMs: content.latencyMs,
    data: new CanonicalJsonText(dataJson),
  });
  return { digest: createHash('sha256').update(canonical).digest('hex'), dataJson };
}

/**
 * The row's link in its chain: SHA-256 (hex) over the canonical JSON of the content digest, the
 * chain position and the previous row's hash. Changing, removing or reordering any row breaks the
 * link after it.
 */
export function chainHash(digest: string, position: ChainPosition): string {
  const canonical = canonicalJson({
    chain: position.chain,
    chainSeq: position.chainSeq,
    contentSha256: digest,
    prevHash: position.prevHash,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

export function hashRow(content: AuditRowContent, position: ChainPosition): string {
  return chainHash(contentDigest(content), position);
}
