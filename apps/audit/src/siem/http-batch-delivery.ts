import type { IncomingHttpHeaders } from 'node:http';
import { retryAfterSeconds } from './http-dispatcher.js';
import { SinkDeliveryError } from './sink-delivery.js';
import type { ExportableEvent } from './siem-record.js';

/** A receiver's non-2xx answer to one POST. */
export interface HttpRefusal {
  status: number;
  headers: IncomingHttpHeaders;
  /** What the receiver said, short and free of secrets (`: <text> (code <n>)`), or ''. */
  detail: string;
  /** The receiver said it is overloaded whatever the status (Splunk HEC code 9, "Server is busy"). */
  busy?: boolean;
}

/** Posts one piece of a batch; resolves null on 2xx, throws only when no answer came. */
export type PostPiece = (piece: readonly ExportableEvent[]) => Promise<HttpRefusal | null>;

/**
 * Delivers a batch over HTTP in order. A 413 halves the piece being sent (the rest of the batch
 * goes in pieces of that size) until it fits; one event that is still too large is a
 * configuration failure, since only a larger limit at the receiver gets it through. Retrying
 * helps on network errors, 408, 429, 5xx and "busy"; any other refusal (400 wrong index, 401/403
 * token…) is a configuration failure. Errors carry how many leading events did get through.
 */
export async function deliverHttpBatch(
  label: string,
  events: readonly ExportableEvent[],
  post: PostPiece,
): Promise<void> {
  let delivered = 0;
  let pieceSize = events.length;
  while (delivered < events.length) {
    const piece = events.slice(delivered, delivered + pieceSize);
    let refusal: HttpRefusal | null;
    try {
      refusal = await post(piece);
    } catch (error) {
      throw new SinkDeliveryError(
        `${label} unreachable: ${error instanceof Error ? error.message : String(error)}`,
        { delivered },
      );
    }
    if (refusal === null) {
      delivered += piece.length;
    } else if (refusal.status === 413 && piece.length > 1) {
      pieceSize = Math.ceil(piece.length / 2);
    } else if (refusal.status === 413) {
      throw new SinkDeliveryError(
        `${label} answered 413${refusal.detail}: event ${piece[0]!.id} alone is larger than it ` +
          'accepts; raise its request size limit (Splunk: max_content_length)',
        { kind: 'configuration', delivered },
      );
    } else {
      throw new SinkDeliveryError(`${label} answered ${refusal.status}${refusal.detail}`, {
        kind: isRetryable(refusal) ? 'transient' : 'configuration',
        retryAfterSeconds: retryAfterSeconds(refusal.headers['retry-after']),
        delivered,
      });
    }
  }
}

function isRetryable({ status, busy }: HttpRefusal): boolean {
  return busy === true || status === 408 || status === 429 || status >= 500;
}
