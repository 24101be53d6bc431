import { hostPortListVar, logLevelVar, portVar, urlVar } from './env-types.js';
import { z } from 'zod';

/** Variables every service reads. Defaults work on a developer machine. */
export const serviceEnv = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: logLevelVar,
};

export const databaseEnv = {
  DATABASE_URL: urlVar('postgresql://postgres@127.0.0.1:5432/portcullis', [
    'postgresql',
    'postgres',
  ]),
};

export const kafkaEnv = {
  KAFKA_BROKERS: hostPortListVar('127.0.0.1:9092'),
  SPOOL_DIR: z.string().min(1).default('.var/spool'),
};

export const redisEnv = {
  REDIS_URL: urlVar('redis://127.0.0.1:6379', ['redis', 'rediss']),
};

export const servicePorts = {
  IDENTITY_PORT: portVar(3001),
  AUDIT_PORT: portVar(3002),
  GATEWAY_PORT: portVar(8080),
};
