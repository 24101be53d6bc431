import {
  kafkaEnv,
  loadConfig,
  redisEnv,
  serviceEnv,
  servicePorts,
  urlVar,
} from '@portcullis/config';

export const gatewayEnv = {
  ...serviceEnv,
  ...kafkaEnv,
  ...redisEnv,
  GATEWAY_PORT: servicePorts.GATEWAY_PORT,
  /** Where the gateway reads its configuration snapshot and the JWKS. */
  IDENTITY_URL: urlVar('http://127.0.0.1:3001', ['http', 'https']),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(gatewayEnv, env);
}
