import { createServer, type Server } from 'node:http';
import type { AlertEvent } from '@portcullis/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/siem/webhook-signature.js';
import { access } from '../siem/siem-test-events.js';
import { waitFor } from '../siem/siem-harness.js';
import { hex, startAlerts, type AlertsHarness } from './alerts-harness.js';

describe('ALERT_WEBHOOK_URL', () => {
  const secret = `alert-hook-${hex(8)}`;
  const received: { event: AlertEvent; signed: boolean }[] = [];
  let server: Server;
  let harness: AlertsHarness;

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const signature = String(request.headers['x-portcullis-signature'] ?? '');
        received.push({
          event: JSON.parse(body) as AlertEvent,
          signed: verifyWebhookSignature(secret, body, signature, Math.floor(Date.now() / 1000)),
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    harness = await startAlerts(
      {},
      { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts`, ALERT_WEBHOOK_SECRET: secret },
    );
  });

  afterAll(async () => {
    await harness?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('POSTs each transition as a signed alert event', async () => {
    const credential = `cred-${hex()}`;
    await harness.produce([
      access({
        credentialId: credential,
        decision: 'deny',
        reason: 'revoked_credential',
        status: 401,
      }),
    ]);
    const mine = () => received.filter((entry) => entry.event.data.dedupKey.includes(credential));
    const [opened] = await waitFor('the opened alert', mine, (list) => list.length > 0);
    expect(opened?.signed).toBe(true);
    expect(opened?.event).toMatchObject({
      type: 'audit.alert',
      source: 'audit',
      data: { transition: 'opened', rule: 'revoked_credential_use', status: 'open' },
    });
    await harness.store.resolve(opened!.event.data.alertId, {
      userId: null,
      label: 'service:soar',
    });
    const all = await waitFor('the resolved alert', mine, (list) => list.length > 1);
    expect(all[1]?.event.data).toMatchObject({ transition: 'resolved', changedBy: 'service:soar' });
    expect(all.every((entry) => entry.signed)).toBe(true);
  });
});
