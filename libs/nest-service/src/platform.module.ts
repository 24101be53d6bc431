import {
  Global,
  Inject,
  Injectable,
  Module,
  Optional,
  type DynamicModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { createPrismaClient, checkDatabase, type PrismaClient } from '@portcullis/db';
import {
  checkKafka,
  createKafka,
  EventProducer,
  EventProducerThread,
  type EventPublisher,
} from '@portcullis/kafka';
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { ReadinessCheck } from './health.controller.js';

export const CONFIG = Symbol('CONFIG');
export const LOGGER = Symbol('LOGGER');
export const PRISMA = Symbol('PRISMA');
export const KAFKA = Symbol('KAFKA');
export const EVENT_PRODUCER = Symbol('EVENT_PRODUCER');
/**
 * Readiness checks for what the platform module connects (PostgreSQL, Kafka). Apps provide
 * `READINESS_CHECKS` from these plus their own (Redis, a peer service…).
 */
export const PLATFORM_READINESS_CHECKS = Symbol('PLATFORM_READINESS_CHECKS');

export interface PlatformOptions<Config> {
  serviceName: string;
  config: Config;
  logger: Logger;
  database?: { url: string };
  kafka?: {
    brokers: string[];
    spoolDir: string;
    /**
     * Run the event producer in a worker thread (EventProducerThread): for a service whose event
     * loop is its bottleneck and which publishes on every request (the gateway).
     */
    producerThread?: boolean;
    /** How much lower the producer thread runs (EventProducerThread's `niceness`). */
    producerThreadNiceness?: number;
    /** How long a partial batch of events waits for more (EventProducer's default: 5 ms). */
    lingerMs?: number;
  };
}

/** Stop producing and flush events before the database goes, so nothing in flight is lost. */
@Injectable()
class PlatformShutdown implements OnApplicationShutdown {
  constructor(
    @Optional() @Inject(EVENT_PRODUCER) private readonly producer?: EventPublisher,
    @Optional() @Inject(PRISMA) private readonly prisma?: PrismaClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.producer?.stop();
    await this.prisma?.$disconnect();
  }
}

/** The connections every service shares: config, logger, PostgreSQL, Kafka and its event producer. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot<Config>(options: PlatformOptions<Config>): DynamicModule {
    const providers: Provider[] = [
      { provide: CONFIG, useValue: options.config },
      { provide: LOGGER, useValue: options.logger },
      PlatformShutdown,
    ];
    const checkTokens: symbol[] = [];
    if (options.database) {
      const url = options.database.url;
      providers.push({
        provide: PRISMA,
        useFactory: () =>
          createPrismaClient({ databaseUrl: url, applicationName: options.serviceName }),
      });
      checkTokens.push(PRISMA);
    }
    if (options.kafka) {
      const { brokers, spoolDir, producerThread, producerThreadNiceness, lingerMs } = options.kafka;
      providers.push(
        {
          provide: KAFKA,
          useFactory: () => createKafka({ brokers, clientId: options.serviceName }),
        },
        {
          provide: EVENT_PRODUCER,
          inject: [KAFKA],
          useFactory: async (kafka: Kafka): Promise<EventPublisher> => {
            const common = {
              spoolDir,
              name: options.serviceName,
              logger: options.logger,
              ...(lingerMs === undefined ? {} : { lingerMs }),
            };
            const producer = producerThread
              ? new EventProducerThread({
                  ...common,
                  kafka: { brokers, clientId: options.serviceName },
                  ...(producerThreadNiceness === undefined
                    ? {}
                    : { niceness: producerThreadNiceness }),
                })
              : new EventProducer({ ...common, kafka });
            await producer.start();
            return producer;
          },
        },
      );
      checkTokens.push(KAFKA);
    }
    providers.push({
      provide: PLATFORM_READINESS_CHECKS,
      inject: checkTokens,
      useFactory: (...resolved: unknown[]): ReadinessCheck[] => {
        const checks: ReadinessCheck[] = [];
        checkTokens.forEach((token, index) => {
          if (token === PRISMA) {
            const prisma = resolved[index] as PrismaClient;
            checks.push({ name: 'postgres', check: () => checkDatabase(prisma) });
          } else if (token === KAFKA) {
            const kafka = resolved[index] as Kafka;
            checks.push({ name: 'kafka', check: () => checkKafka(kafka) });
          }
        });
        return checks;
      },
    });
    return {
      module: PlatformModule,
      providers,
      exports: providers
        .filter(
          (provider): provider is { provide: symbol } & Provider =>
            typeof provider === 'object' && 'provide' in provider,
        )
        .map((provider) => provider.provide),
    };
  }
}
