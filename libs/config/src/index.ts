export { ConfigError, loadConfig } from './load-config.js';
export {
  booleanVar,
  hostPortListVar,
  logLevelVar,
  portVar,
  positiveIntVar,
  secretVar,
  urlVar,
} from './env-types.js';
export { databaseEnv, kafkaEnv, redisEnv, serviceEnv, servicePorts } from './common-env.js';
