import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { CONFIG, KAFKA, LOGGER } from '@portcullis/nest-service';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { backgroundEnabled } from '../siem/siem-env.js';
import { AlertDetector } from './alert-detector.js';
import { AlertRules } from './alert-rules.js';
import { AlertStore } from './alert-store.js';
import type { AlertsConfig } from './alerts-env.js';
import { RedisWindows } from './redis-windows.js';

export const ALERTS_REDIS = Symbol('ALERTS_REDIS');

/** Runs the detector on this replica from boot to shutdown (see ALERTS_ENABLED). */
@Injectable()
export class AlertDetectorService implements OnApplicationBootstrap, OnApplicationShutdown {
  #detector: AlertDetector | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #logger: Logger;

  constructor(
    @Inject(CONFIG) private readonly config: AlertsConfig,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(ALERTS_REDIS) private readonly redis: Redis,
    @Inject(LOGGER) logger: Logger,
    private readonly store: AlertStore,
  ) {
    this.#logger = logger.child({ component: 'alerts' });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!backgroundEnabled(this.config.ALERTS_ENABLED, this.config.NODE_ENV)) return;
    await this.#start().catch((error: unknown) => {
      // Kafka may come up after us: keep trying in the background instead of failing the boot.
      this.#logger.warn({ err: error }, 'alert detector did not start; retrying');
      this.#retry = setInterval(() => {
        void this.#start()
          .then(() => clearInterval(this.#retry))
          .catch(() => undefined);
      }, 10_000);
      this.#retry.unref();
    });
  }

  async #start(): Promise<void> {
    if (this.#detector || this.#stopped) return;
    const detector = new AlertDetector({
      kafka: this.kafka,
      groupId: this.config.ALERTS_CONSUMER_GROUP,
      rules: new AlertRules(
        new RedisWindows(this.redis, 'portcullis:alerts:'),
        this.config.ALERT_RULES,
      ),
      store: this.store,
      logger: this.#logger,
    });
    await detector.start();
    this.#detector = detector;
  }

  async onApplicationShutdown(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#retry);
    await this.#detector?.stop();
    this.redis.disconnect();
  }
}
