import {
  booleanVar,
  databaseEnv,
  kafkaEnv,
  loadConfig,
  positiveIntVar,
  serviceEnv,
  servicePorts,
  trustedProxiesVar,
  urlVar,
} from '@portcullis/config';
import { TOPICS } from '@portcullis/contracts';
import { z } from 'zod';
import { alertsEnv } from './alerts/alerts-env.js';
import { checkpointEnv } from './checkpoints/checkpoint-env.js';
import { siemEnv } from './siem/siem-env.js';

export const auditEnv = {
  ...serviceEnv,
  ...databaseEnv,
  ...kafkaEnv,
  AUDIT_PORT: servicePorts.AUDIT_PORT,
  /** Proxies whose X-Forwarded-For names the client (the portal, a load balancer); none by default. */
  TRUSTED_PROXIES: trustedProxiesVar(),
  /** Consumer group of the audit store: every replica joins it and they share the partitions. */
  AUDIT_CONSUMER_GROUP: z.string().min(1).default('audit-store'),
  /** Set to false on replicas that only serve queries. */
  AUDIT_INGEST_ENABLED: booleanVar(true),
  /** Topics the store consumes (comma-separated). */
  AUDIT_INGEST_TOPICS: z
    .string()
    .default([TOPICS.accessEvents, TOPICS.managementEvents, TOPICS.alertEvents].join(','))
    .transform((value) => value.split(',').map((topic) => topic.trim()))
    .refine((topics) => topics.length > 0 && topics.every((topic) => topic.length > 0), {
      error: 'must be a comma-separated list of topic names',
    }),
  /**
   * Partitions whose batches one replica stores at the same time: one batch's validation and
   * hashing overlap another's transaction (batches of one partition stay in order).
   */
  AUDIT_INGEST_CONCURRENCY: positiveIntVar(3),
  /**
   * Members of the consumer group one replica runs. kafkajs fetches for one member in rounds and
   * starts the next fetch only when the round's batches are stored, so with one member the chain
   * lock idles while a fresh round is fetched, validated and hashed; a second member's round
   * overlaps that gap (about +25 % in the benchmark: 15 184 vs 12 196 events/s). Each member
   * counts as one in the group, as a replica does.
   */
  AUDIT_INGEST_MEMBERS: positiveIntVar(1),
  /** Most bytes of one partition's batch (one transaction); 4 MiB ≈ 4 500 access events. */
  AUDIT_INGEST_MAX_BATCH_BYTES: positiveIntVar(4 * 1024 * 1024),
  /** Where invalid events go, with the reason. */
  AUDIT_DEAD_LETTER_TOPIC: z.string().min(1).default(TOPICS.deadLetter),
  /** Days of events kept; older daily partitions are dropped whole. */
  AUDIT_RETENTION_DAYS: positiveIntVar(90),
  /** Daily partitions created ahead of today. */
  AUDIT_PARTITION_DAYS_AHEAD: positiveIntVar(7),
  /** How often partitions are created ahead and expired ones dropped. */
  AUDIT_MAINTENANCE_INTERVAL_SECONDS: positiveIntVar(3600),
  /** Connections of the audit store's own pool (ingest and queries). */
  AUDIT_DB_POOL_MAX: positiveIntVar(10),
  /** identity, which vouches for the callers' session tokens (GET /v1/me). */
  IDENTITY_URL: urlVar('http://127.0.0.1:3001', ['http', 'https']),
  /** How long a session answer from identity is reused. */
  AUDIT_AUTH_CACHE_SECONDS: positiveIntVar(30),
  ...siemEnv,
  ...alertsEnv,
  ...checkpointEnv,
};

export type AuditConfig = ReturnType<typeof loadAuditConfig>;

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(auditEnv, env);
}
