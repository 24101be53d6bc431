import { randomUUID } from 'node:crypto';
import { parseEvent, type KnownEvent } from '@portcullis/contracts';
import { createKafka, runConsumer, type RunningConsumer } from '@portcullis/kafka';
import { setTimeout as sleep } from 'node:timers/promises';

/** Collects events from a topic with a group of its own (from the beginning, filter by id). */
export class EventCollector {
  readonly events: KnownEvent[] = [];
  #consumer: RunningConsumer | undefined;

  constructor(
    private readonly brokers: string[],
    private readonly topic: string,
  ) {}

  async start(): Promise<this> {
    const kafka = createKafka({ brokers: this.brokers, clientId: 'e2e-collector' });
    this.#consumer = await runConsumer({
      kafka,
      groupId: `e2e-${randomUUID()}`,
      topics: [this.topic],
      fromBeginning: true,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const parsed = parseEvent(message.value);
          if (parsed.ok) this.events.push(parsed.event);
        }
      },
    });
    return this;
  }

  /** Waits until `match` finds an event, or throws after timeoutMs. */
  async waitFor<T extends KnownEvent>(
    match: (event: KnownEvent) => event is T,
    timeoutMs?: number,
  ): Promise<T>;
  async waitFor(match: (event: KnownEvent) => boolean, timeoutMs?: number): Promise<KnownEvent>;
  async waitFor(match: (event: KnownEvent) => boolean, timeoutMs = 30_000): Promise<KnownEvent> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.events.find(match);
      if (found) return found;
      await sleep(100);
    }
    throw new Error(`no matching event on ${this.topic} within ${timeoutMs} ms`);
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
  }
}
