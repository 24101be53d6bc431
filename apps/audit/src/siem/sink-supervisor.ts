import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { PrismaClient, SiemSink } from '@portcullis/db';
import { CONFIG, KAFKA, LOGGER, PRISMA } from '@portcullis/nest-service';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { createSinkDelivery } from './create-sink-delivery.js';
import { resolveSink } from './sink-config.js';
import { CONFIGURATION_ERROR_PREFIX } from './sink-delivery.js';
import { SiemMetrics } from './siem-metrics.js';
import { SinkRunner } from './sink-runner.js';
import { SinkSecretCipher } from './sink-secret-cipher.js';
import { backgroundEnabled, type SiemConfig } from './siem-env.js';

export const SINK_SECRET_CIPHER = Symbol('SINK_SECRET_CIPHER');
/** Optional: run only the sinks whose names start with this prefix (dedicated exporter replicas, tests). */
export const SINK_SCOPE = Symbol('SINK_SCOPE');
export interface SinkScope {
  namePrefix: string;
}

interface Running {
  version: string;
  runner: SinkRunner;
}

/**
 * Keeps one SinkRunner per enabled sink on this replica, in line with the sink table: started
 * at boot, restarted when a sink changes (here at once, on other replicas at their next
 * reconcile), stopped when it is disabled or deleted.
 */
@Injectable()
export class SinkSupervisor implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly #running = new Map<string, Running>();
  readonly #metrics = new SiemMetrics();
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #reconciling: Promise<void> = Promise.resolve();
  #shutdown = false;

  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: SiemConfig,
    @Inject(LOGGER) logger: Logger,
    @Inject(SINK_SECRET_CIPHER) private readonly cipher: SinkSecretCipher,
    @Optional() @Inject(SINK_SCOPE) private readonly scope?: SinkScope | null,
  ) {
    this.#logger = logger.child({ component: 'siem' });
  }

  get #enabled(): boolean {
    return backgroundEnabled(this.config.SIEM_EXPORT_ENABLED, this.config.NODE_ENV);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.#enabled) return;
    await this.reconcile().catch((error: unknown) => {
      this.#logger.error({ err: error }, 'starting SIEM sinks failed; retrying shortly');
    });
    this.#timer = setInterval(() => {
      void this.reconcile().catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'SIEM sink reconcile failed');
      });
    }, this.config.SIEM_RECONCILE_SECONDS * 1000);
    this.#timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.#shutdown = true;
    clearInterval(this.#timer);
    await this.#reconciling.catch(() => undefined);
    await Promise.all([...this.#running.values()].map(({ runner }) => runner.stop()));
    this.#running.clear();
  }

  /** Whether this replica runs the sink's exporter. */
  isRunning(sinkId: string): boolean {
    return this.#running.has(sinkId);
  }

  /** Brings the runners in line with the table (serialized: one pass at a time). */
  reconcile(): Promise<void> {
    if (!this.#enabled) return Promise.resolve();
    const next = this.#reconciling.catch(() => undefined).then(() => this.#reconcileOnce());
    this.#reconciling = next;
    return next;
  }

  async #reconcileOnce(): Promise<void> {
    if (this.#shutdown) return;
    const sinks = await this.prisma.siemSink.findMany({
      where: {
        enabled: true,
        ...(this.scope ? { name: { startsWith: this.scope.namePrefix } } : {}),
      },
    });
    const wanted = new Map(sinks.map((sink) => [sink.id, sink]));
    for (const [id, running] of this.#running) {
      const sink = wanted.get(id);
      if (!sink || versionOf(sink) !== running.version) {
        this.#running.delete(id);
        await running.runner.stop();
      }
    }
    for (const sink of sinks) {
      if (this.#running.has(sink.id) || this.#shutdown) continue;
      await this.#start(sink);
    }
  }

  async #start(sink: SiemSink): Promise<void> {
    let resolved;
    try {
      const secret = sink.secretEncrypted ? this.cipher.decrypt(sink.id, sink.secretEncrypted) : {};
      resolved = resolveSink(sink.id, sink.kind, sink.config, secret);
    } catch {
      // Never the error itself: it could quote the secret.
      await this.#recordError(
        sink.id,
        `${CONFIGURATION_ERROR_PREFIX}sink settings or secret are unreadable; update the sink`,
      );
      return;
    }
    const runner = new SinkRunner({
      kafka: this.kafka,
      sinkId: sink.id,
      delivery: createSinkDelivery(resolved, this.kafka),
      eventTypes: sink.eventTypes,
      logger: this.#logger,
      metrics: this.#metrics.forSink(sink),
      onSuccess: (at) => this.#recordSuccess(sink.id, at),
      onError: (message, at) => this.#recordError(sink.id, message, at),
      maxBackoffMs: this.config.SIEM_RETRY_MAX_SECONDS * 1000,
      configErrorMaxBackoffMs: this.config.SIEM_CONFIG_ERROR_RETRY_SECONDS * 1000,
    });
    try {
      await runner.start();
    } catch (error) {
      this.#logger.warn({ err: error, sinkId: sink.id }, 'SIEM sink consumer did not start');
      await runner.stop();
      return;
    }
    this.#running.set(sink.id, { version: versionOf(sink), runner });
  }

  async #recordSuccess(sinkId: string, at: Date): Promise<void> {
    await this.prisma.siemSink.updateMany({ where: { id: sinkId }, data: { lastSuccessAt: at } });
  }

  async #recordError(sinkId: string, message: string, at = new Date()): Promise<void> {
    await this.prisma.siemSink.updateMany({
      where: { id: sinkId },
      data: { lastError: message.slice(0, 1000), lastErrorAt: at },
    });
  }
}

/** What a runner depends on; status columns change all the time and must not restart it. */
function versionOf(sink: SiemSink): string {
  return JSON.stringify([sink.kind, sink.config, sink.secretEncrypted, sink.eventTypes]);
}
