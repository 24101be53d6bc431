import { gatewaySnapshotSchema, type GatewaySnapshot } from '@portcullis/contracts';
import { request } from 'undici';

/** Reads the snapshot from identity with the gateway's service token. */
export async function fetchSnapshot(
  identityUrl: string,
  serviceToken: string,
): Promise<GatewaySnapshot> {
  const response = await request(new URL('/v1/gateway/snapshot', identityUrl), {
    headers: { authorization: `Bearer ${serviceToken}`, accept: 'application/json' },
    headersTimeout: 10_000,
    bodyTimeout: 30_000,
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`identity answered ${response.statusCode} for the snapshot`);
  }
  return gatewaySnapshotSchema.parse(await response.body.json());
}
