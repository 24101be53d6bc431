import type { Kafka, Producer } from 'kafkajs';
import { toOcsfRecord } from './ocsf-mapping.js';
import { PRODUCT_VERSION } from './product-version.js';
import type { OcsfKafkaSinkConfig } from './sink-config.js';
import { SinkDeliveryError, type SinkDelivery } from './sink-delivery.js';
import type { ExportableEvent } from './siem-record.js';

/**
 * OCSF records on a Kafka topic (API Activity for traffic and management, Detection Finding for
 * alerts), acknowledged by all in-sync replicas.
 */
export class OcsfKafkaSink implements SinkDelivery {
  readonly batchSize: number;
  #producer: Producer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: OcsfKafkaSinkConfig,
  ) {
    this.batchSize = config.batchSize;
  }

  async deliver(events: readonly ExportableEvent[]): Promise<void> {
    const messages = events.flatMap((event) => {
      const record = toOcsfRecord(event, PRODUCT_VERSION);
      if (!record) return [];
      // Per key the order holds: an app's traffic, and an alert's transitions, stay in sequence.
      const key =
        event.type === 'gateway.access'
          ? (event.data.appId ?? event.id)
          : event.type === 'audit.alert'
            ? event.data.alertId
            : event.id;
      return [{ key, value: JSON.stringify(record), headers: { 'event-id': event.id } }];
    });
    if (messages.length === 0) return;
    try {
      const producer = await this.#connected();
      await producer.send({ topic: this.config.topic, acks: -1, messages });
    } catch (error) {
      await this.#drop();
      throw new SinkDeliveryError(
        `OCSF topic ${this.config.topic}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  close(): Promise<void> {
    return this.#drop();
  }

  async #connected(): Promise<Producer> {
    if (this.#producer) return this.#producer;
    const producer = this.kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    this.#producer = producer;
    return producer;
  }

  async #drop(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
