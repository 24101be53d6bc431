export { ConfigError, loadConfig, loadConfigOrExit } from './load-config.js';
export {
  base64KeyListVar,
  base64KeyVar,
  booleanVar,
  hostPortListVar,
  isAddressOrRange,
  logLevelVar,
  portVar,
  positiveIntVar,
  secretVar,
  trustedProxiesVar,
  urlVar,
} from './env-types.js';
export { databaseEnv, kafkaEnv, redisEnv, serviceEnv, servicePorts } from './common-env.js';
