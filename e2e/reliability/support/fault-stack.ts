import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS } from '@portcullis/contracts';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import { createKafka } from '@portcullis/kafka';
import { request } from 'undici';
import { onTestFailed } from 'vitest';
import {
  insecureAgent,
  startApp,
  waitForReady,
  type AppProcess,
  type Readiness,
} from '../../support/app-process.js';
import { freePort } from '../../support/ports.js';
import { recordFinding, type ReliabilityFinding } from './reliability-report.js';

export interface AuditReplicaOptions {
  name: string;
  /** Replicas given the same group split the partitions; default: a group of its own. */
  consumerGroup?: string;
  env?: Record<string, string>;
  /** Default: every readiness check up. */
  accept?: (readiness: Readiness) => boolean;
}

/** A fresh audit consumer group, positioned at the end of the access topic (see below). */
export async function newAuditGroup(
  name: string,
  brokers = process.env.KAFKA_BROKERS!,
): Promise<string> {
  const groupId = `e2e-${name}-${randomBytes(4).toString('hex')}`;
  const admin = createKafka({ brokers: brokers.split(','), clientId: 'e2e-faults-admin' }).admin();
  await admin.connect();
  try {
    // A new audit group reads everything Kafka retains; the test broker keeps earlier runs'
    // events, so start at the end: only what the test publishes from now on counts.
    const ends = await admin.fetchTopicOffsets(TOPICS.accessEvents);
    await admin.setOffsets({
      groupId,
      topic: TOPICS.accessEvents,
      partitions: ends.map((end) => ({ partition: end.partition, offset: end.high })),
    });
  } finally {
    await admin.disconnect();
  }
  return groupId;
}

/**
 * The real audit service, from its build, on a free port, ingesting access events only, with a
 * consumer group of its own (positioned at the topic's end) unless one is given.
 */
export async function startAuditReplica(options: AuditReplicaOptions): Promise<AppProcess> {
  const port = await freePort();
  const brokers = options.env?.KAFKA_BROKERS ?? process.env.KAFKA_BROKERS!;
  const audit = startApp(
    'audit',
    options.name,
    {
      DATABASE_URL: process.env.DATABASE_URL!,
      KAFKA_BROKERS: brokers,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      AUDIT_PORT: String(port),
      AUDIT_CONSUMER_GROUP: options.consumerGroup ?? (await newAuditGroup(options.name, brokers)),
      AUDIT_INGEST_TOPICS: TOPICS.accessEvents,
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'e2e-audit-spool-')),
      ...options.env,
    },
    `http://127.0.0.1:${port}`,
  );
  await waitForReady(audit, options.accept, 90_000);
  return audit;
}

/** GET /readyz once: the status code and the body (or the error when nothing answered). */
export async function readiness(app: AppProcess): Promise<{ status: number; body: Readiness }> {
  const response = await request(`${app.url}/readyz`, {
    dispatcher: insecureAgent,
    headersTimeout: 5_000,
  });
  return { status: response.statusCode, body: (await response.body.json()) as Readiness };
}

/** Polls `probe` until it returns something other than undefined, or throws after timeoutMs. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `${what}: not within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`,
  );
}

export interface StoredEventTally {
  /** Sent request ids with no stored access event. */
  missing: string[];
  /** Request ids stored more than once, with their count. */
  duplicated: [string, number][];
  /** Stored events of this API whose request id was not among those sent. */
  unexpected: string[];
  /** Stored access events of this API in total. */
  stored: number;
}

/** Reads what the audit store holds (audit.audit_events), counted by gateway request id. */
export class AuditStore {
  readonly prisma: PrismaClient;

  constructor(databaseUrl = process.env.DATABASE_URL!) {
    this.prisma = createPrismaClient({
      databaseUrl,
      applicationName: 'e2e-audit-store',
      poolMax: 2,
    });
  }

  /** Stored access events of one API, by request id (an API created for one test isolates it). */
  async countsByRequestId(apiId: string): Promise<Map<string, number>> {
    const rows = await this.prisma.$queryRawUnsafe<{ request_id: string; n: number }[]>(
      `SELECT data->>'requestId' AS request_id, count(*)::int AS n
         FROM audit.audit_events
        WHERE type = 'gateway.access' AND api_id = $1
        GROUP BY 1`,
      apiId,
    );
    return new Map(rows.map((row) => [row.request_id, row.n]));
  }

  /** The stored access events' data of these gateway request ids, by request id. */
  async accessData(requestIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    const rows = await this.prisma.$queryRawUnsafe<
      { request_id: string; data: Record<string, unknown> }[]
    >(
      `SELECT data->>'requestId' AS request_id, data
         FROM audit.audit_events
        WHERE type = 'gateway.access' AND data->>'requestId' = ANY($1::text[])`,
      requestIds,
    );
    return new Map(rows.map((row) => [row.request_id, row.data]));
  }

  async tally(apiId: string, sentRequestIds: Iterable<string>): Promise<StoredEventTally> {
    const counts = await this.countsByRequestId(apiId);
    const sent = new Set(sentRequestIds);
    let stored = 0;
    for (const n of counts.values()) stored += n;
    return {
      missing: [...sent].filter((id) => !counts.has(id)),
      duplicated: [...counts].filter(([, n]) => n > 1),
      unexpected: [...counts.keys()].filter((id) => !sent.has(id)),
      stored,
    };
  }

  /** Waits until every sent request id is stored (or the deadline passes), then tallies. */
  async waitForAll(
    apiId: string,
    sentRequestIds: string[],
    timeoutMs: number,
  ): Promise<StoredEventTally> {
    const deadline = Date.now() + timeoutMs;
    let tally = await this.tally(apiId, sentRequestIds);
    while (tally.missing.length > 0 && Date.now() < deadline) {
      await sleep(500);
      tally = await this.tally(apiId, sentRequestIds);
    }
    return tally;
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
  }
}

/** One line for a finding's detail: how many sent, stored, missing, duplicated. */
export function describeTally(sent: number, tally: StoredEventTally): string {
  return (
    `${sent} requests, ${tally.stored} events stored, ${tally.missing.length} missing, ` +
    `${tally.duplicated.length} request ids stored more than once, ${tally.unexpected.length} unexpected`
  );
}

/** Resident memory (kB) and open file descriptors of a process, from /proc. */
export function processFootprint(pid: number): { rssKb: number; openFds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return {
    rssKb: rss ? Number(rss[1]) : Number.NaN,
    openFds: readdirSync(`/proc/${pid}/fd`).length,
  };
}

/**
 * Call at the start of a test: returns the function that records its finding, and makes sure a
 * test that fails before getting there (a broker that did not come back, a timeout) still shows
 * up in the report, as not survived, with its error.
 */
export function findingRecorder(
  kind: 'fault' | 'load',
  name: string,
): (finding: ReliabilityFinding) => void {
  let recorded = false;
  onTestFailed(({ task }) => {
    if (recorded) return;
    const error = (task.result?.errors?.[0]?.message ?? 'unknown error').split('\n')[0]!;
    const detail = `did not complete: ${error.slice(0, 300)}`;
    recordFinding(
      kind === 'fault'
        ? { kind, name, survived: false, detail }
        : { kind, name, requestsSent: 0, eventsStored: 0, detail },
    );
  });
  return (finding) => {
    recorded = true;
    recordFinding(finding);
  };
}
