import { getMeter } from '@portcullis/telemetry';
import type { SinkFailureKind } from './sink-delivery.js';

/** What one sink's runner reports: events its destination took, and failed attempts. */
export interface SinkMetrics {
  exported(count: number): void;
  failed(kind: SinkFailureKind): void;
}

/**
 * Per sink (name and kind): events exported and failed delivery attempts by kind (`transient`:
 * down or busy; `configuration`: the destination refuses the events as sent). A security team
 * alerts on failures or on exports stopping, rather than finding a gap in its SIEM later.
 */
export class SiemMetrics {
  readonly #meter = getMeter('portcullis-audit');
  readonly #exported = this.#meter.createCounter('audit.siem.events.exported', {
    description: 'Events a SIEM sink’s destination acknowledged, by sink',
  });
  readonly #failures = this.#meter.createCounter('audit.siem.delivery.failures', {
    description: 'Failed delivery attempts (each retried), by sink and kind of failure',
  });

  forSink(sink: { name: string; kind: string }): SinkMetrics {
    const attributes = { 'sink.name': sink.name, 'sink.kind': sink.kind };
    return {
      exported: (count) => {
        if (count > 0) this.#exported.add(count, attributes);
      },
      failed: (kind) => this.#failures.add(1, { ...attributes, 'failure.kind': kind }),
    };
  }
}
