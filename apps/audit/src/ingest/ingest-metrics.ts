import { getMeter } from '@portcullis/telemetry';

/**
 * What the ingest did, per Kafka topic: events stored, events that came again (stored once), and
 * records dead-lettered. A rising dead-letter count after a producer's upgrade is the cue for
 * `npm run replay-dead-letters` once audit is upgraded too.
 */
export class IngestMetrics {
  readonly #meter = getMeter('portcullis-audit');
  readonly #stored = this.#meter.createCounter('audit.events.stored', {
    description: 'Events stored, by the Kafka topic they came from',
  });
  readonly #duplicates = this.#meter.createCounter('audit.events.duplicates', {
    description: 'Events received again (a redelivery or a replay) and stored once',
  });
  readonly #deadLettered = this.#meter.createCounter('audit.events.dead_lettered', {
    description: 'Records refused and sent to the dead-letter topic, by the topic they came from',
  });

  record(topic: string, counts: { stored: number; duplicates: number; deadLettered: number }) {
    const attributes = { topic };
    if (counts.stored > 0) this.#stored.add(counts.stored, attributes);
    if (counts.duplicates > 0) this.#duplicates.add(counts.duplicates, attributes);
    if (counts.deadLettered > 0) this.#deadLettered.add(counts.deadLettered, attributes);
  }
}
