import { formatCef } from './cef-format.js';
import { formatLeef } from './leef-format.js';
import { PRODUCT_VERSION } from './product-version.js';
import type { SyslogSinkConfig } from './sink-config.js';
import type { SinkDelivery } from './sink-delivery.js';
import { toSiemRecord, type ExportableEvent } from './siem-record.js';
import { formatSyslogMessage, octetCountedFrame, syslogSeverity } from './syslog-frame.js';
import { SyslogTransport } from './syslog-transport.js';

/** CEF or LEEF records in RFC 5424 messages, octet-counted over TCP or TLS. */
export class SyslogSink implements SinkDelivery {
  readonly batchSize: number;
  readonly #transport: SyslogTransport;

  constructor(
    private readonly format: 'cef' | 'leef',
    private readonly config: SyslogSinkConfig,
    secret: { clientKey?: string },
  ) {
    this.batchSize = config.batchSize;
    this.#transport = new SyslogTransport({
      host: config.host,
      port: config.port,
      writeTimeoutMs: config.writeTimeoutSeconds * 1000,
      tls: config.tls
        ? {
            ca: config.caCert,
            cert: config.clientCert,
            key: secret.clientKey,
            servername: config.servername,
            rejectUnauthorized: config.rejectUnauthorized,
          }
        : undefined,
    });
  }

  /** The RFC 5424 message for one event (also what tests compare against). */
  message(event: ExportableEvent): string {
    const record = toSiemRecord(event);
    const payload =
      this.format === 'cef'
        ? formatCef(record, { productVersion: PRODUCT_VERSION })
        : formatLeef(record, {
            productVersion: PRODUCT_VERSION,
            delimiter: this.config.leefDelimiter,
          });
    return formatSyslogMessage({
      facility: this.config.facility,
      severity: syslogSeverity(record.severity),
      time: record.time,
      appName: this.config.appName,
      msgId: event.type,
      message: payload,
    });
  }

  async deliver(events: readonly ExportableEvent[]): Promise<void> {
    await this.#transport.send(events.map((event) => octetCountedFrame(this.message(event))));
  }

  close(): Promise<void> {
    return this.#transport.close();
  }
}
