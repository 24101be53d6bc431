import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { Denial } from '../pipeline/denial.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { payloadTooLarge } from '../proxy/proxy.js';

/** Patterns that have no business in an API payload: SQL and script injection, NoSQL operators. */
const INJECTION_PATTERNS: readonly RegExp[] = [
  /\bunion\b[\s\S]{0,40}\bselect\b/i,
  /['"`]\s*(or|and)\s+['"`]?\d+['"`]?\s*=\s*['"`]?\d+/i,
  /;\s*(drop|truncate|alter)\s+table\b/i,
  /<\s*script\b/i,
  /\bjavascript\s*:/i,
  /"\$(where|function|accumulator)"\s*:/,
];

export type ThreatFinding = 'content_type' | 'json_depth' | 'malformed_json' | 'injection';

/**
 * Optional per API (settings.threatProtection): the request body's content type must be on the
 * allow-list; JSON bodies are parsed (bounded by maxBodyBytes) and checked for depth; the raw body
 * is screened for injection patterns. `block` refuses (415/400 `threat_detected`), `report` only
 * logs and forwards. Returns the buffered body when it had to read it, so the proxy sends that.
 */
export class ThreatProtectionPolicy {
  constructor(private readonly logger: Logger) {}

  async run(context: RequestContext, request: IncomingMessage): Promise<Buffer | null> {
    const settings = context.api!.api.settings;
    const policy = settings.threatProtection;
    if (!policy) return null;
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      (request.headers['content-length'] !== undefined &&
        request.headers['content-length'] !== '0');
    if (!hasBody) return null;
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!policy.allowedContentTypes.map((type) => type.toLowerCase()).includes(mediaType)) {
      this.#found(context, policy.mode, 'content_type', 415, 'The content type is not accepted.');
    }
    const body = await readBounded(request, settings.maxBodyBytes);
    context.bytesIn = body.length;
    const text = body.toString('utf8');
    if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        this.#found(context, policy.mode, 'malformed_json', 400, 'The JSON body is malformed.');
      }
      if (depthOf(parsed, policy.maxJsonDepth + 1) > policy.maxJsonDepth) {
        this.#found(context, policy.mode, 'json_depth', 400, 'The JSON body is nested too deeply.');
      }
    }
    if (INJECTION_PATTERNS.some((pattern) => pattern.test(text))) {
      this.#found(
        context,
        policy.mode,
        'injection',
        400,
        'The body looks like an injection attempt.',
      );
    }
    return body;
  }

  #found(
    context: RequestContext,
    mode: 'report' | 'block',
    finding: ThreatFinding,
    status: number,
    detail: string,
  ): void {
    // Never the payload itself in the log: it may carry personal data.
    this.logger.warn(
      { requestId: context.requestId, api: context.api?.api.slug, finding, mode },
      'threat protection finding',
    );
    if (mode === 'block') {
      throw new Denial(status, 'threat_detected', 'threat-detected', 'Request refused', detail);
    }
  }
}

/** Depth of nested arrays/objects, stopping early once past `limit`. */
function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth >= limit || value === null || typeof value !== 'object') return depth;
  let deepest = depth + 1;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, limit, depth + 1));
    if (deepest >= limit) break;
  }
  return deepest;
}

async function readBounded(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw payloadTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
