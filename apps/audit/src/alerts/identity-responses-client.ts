import { request } from 'undici';

export type ResponseAction = 'block_ip' | 'suspend_credential';

export interface IdentityResponse {
  /** Chosen by audit (the AlertResponse id): PUT is idempotent, retries are safe. */
  id: string;
  action: ResponseAction;
  /** An IP or CIDR for block_ip, a credential id for suspend_credential. */
  target: string;
  until: Date;
  alertId: string;
  reason: string;
}

export class IdentityResponseError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'IdentityResponseError';
  }
}

/**
 * Calls identity's security-response endpoint with audit's service token:
 * `PUT /v1/security/responses/:id` to apply, `DELETE /v1/security/responses/:id` to undo (see the
 * README for the contract identity implements).
 */
export class IdentityResponsesClient {
  constructor(
    private readonly baseUrl: string,
    private readonly serviceToken: string,
  ) {}

  async apply(response: IdentityResponse): Promise<void> {
    await this.#send('PUT', response.id, {
      action: response.action,
      target: response.target,
      until: response.until.toISOString(),
      reason: response.reason,
      source: { service: 'audit', alertId: response.alertId },
    });
  }

  async undo(id: string): Promise<void> {
    await this.#send('DELETE', id);
  }

  async #send(method: 'PUT' | 'DELETE', id: string, body?: object): Promise<void> {
    const url = new URL(`/v1/security/responses/${encodeURIComponent(id)}`, this.baseUrl);
    let response;
    try {
      response = await request(url, {
        method,
        headers: {
          authorization: `Bearer ${this.serviceToken}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
    } catch (error) {
      throw new IdentityResponseError(
        `identity unreachable: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    await response.body.dump().catch(() => undefined);
    // 404 on DELETE: already gone (lapsed or undone elsewhere) — the goal is reached.
    if (response.statusCode < 300 || (method === 'DELETE' && response.statusCode === 404)) return;
    throw new IdentityResponseError(
      `identity answered ${response.statusCode}`,
      response.statusCode,
    );
  }
}
