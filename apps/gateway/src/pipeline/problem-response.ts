import type { ServerResponse } from 'node:http';
import { problemType } from '@portcullis/nest-service';
import type { Denial } from './denial.js';
import type { RequestContext } from './request-context.js';

const CORS_HEADERS = ['access-control-allow-origin', 'access-control-expose-headers', 'vary'];

/** Writes an RFC 9457 problem with the request id; never internals. */
export function sendProblem(
  response: ServerResponse,
  context: RequestContext,
  denial: Denial,
): void {
  context.status = denial.status;
  context.reason = denial.reason;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({
    type: problemType(denial.slug),
    title: denial.title,
    status: denial.status,
    detail: denial.detail,
    instance: context.path,
    requestId: context.requestId,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-request-id': context.requestId,
  };
  for (const name of CORS_HEADERS) {
    const value = context.responseHeaders[name];
    if (value !== undefined) headers[name] = value;
  }
  for (const [name, value] of Object.entries(context.responseHeaders)) {
    if (name.startsWith('ratelimit-')) headers[name] = value;
  }
  Object.assign(headers, denial.headers);
  context.bytesOut = Buffer.byteLength(body);
  response.writeHead(denial.status, headers);
  response.end(body);
}
