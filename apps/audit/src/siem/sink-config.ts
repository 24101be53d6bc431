import { TOPICS } from '@portcullis/contracts';
import { z } from 'zod';
import { isUsableLeefDelimiter } from './leef-format.js';

export const sinkKindSchema = z.enum([
  'syslog_cef',
  'syslog_leef',
  'splunk_hec',
  'ocsf_kafka',
  'webhook',
]);
export type SinkKind = z.infer<typeof sinkKindSchema>;

const pem = z
  .string()
  .min(1)
  .max(64 * 1024);
const httpUrl = z.url({ protocol: /^https?$/ });

/** Where and how to send syslog (RFC 5424 over TCP with octet counting, or over TLS per RFC 5425). */
export const syslogConfigSchema = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65535),
  tls: z.boolean().default(false),
  /** PEM of the CA that signed the receiver's certificate (default: the system's CAs). */
  caCert: pem.optional(),
  /** PEM client certificate for mutual TLS; its key goes in the secret. */
  clientCert: pem.optional(),
  servername: z.string().max(255).optional(),
  rejectUnauthorized: z.boolean().default(true),
  /** RFC 5424 facility (13 = log audit). */
  facility: z.number().int().min(0).max(23).default(13),
  appName: z.string().min(1).max(48).default('portcullis'),
  /** LEEF only: one character between attributes (default tab), not `=`, `\`, CR or LF. */
  leefDelimiter: z
    .string()
    .length(1)
    .refine(isUsableLeefDelimiter, {
      message: 'the LEEF delimiter must be one character other than =, \\, CR or LF',
    })
    .optional(),
  batchSize: z.number().int().min(1).max(5000).default(200),
  /**
   * Longest the receiver may take to accept a batch's bytes: one that keeps the connection open
   * but stops reading would otherwise stall the sink without a word. Then the connection is
   * dropped and the batch retried on a new one.
   */
  writeTimeoutSeconds: z.number().int().min(1).max(600).default(30),
});
export type SyslogSinkConfig = z.infer<typeof syslogConfigSchema>;
export const syslogSecretSchema = z.strictObject({ clientKey: pem.optional() });

export const splunkHecConfigSchema = z.strictObject({
  /**
   * The collector: a base URL (`https://splunk.example.com:8088`, or behind a proxy
   * `https://proxy.example/splunk`), to which `/services/collector/event` is appended, or the full
   * endpoint (a path ending in `/services/collector`, `/services/collector/event` or
   * `/services/collector/event/1.0`), used as is. The raw endpoint is refused: the sink sends
   * event JSON, which the raw endpoint would index as one line of text per batch.
   */
  url: httpUrl.refine(
    (value) => !/\/services\/collector\/raw(\/1\.0)?\/*$/.test(new URL(value).pathname),
    {
      error:
        'is the raw endpoint (…/services/collector/raw); Portcullis sends HEC event JSON: give the base URL or …/services/collector/event',
    },
  ),
  index: z.string().min(1).max(255).optional(),
  source: z.string().min(1).max(255).default('portcullis'),
  sourcetype: z.string().min(1).max(255).default('portcullis:audit'),
  host: z.string().min(1).max(255).optional(),
  caCert: pem.optional(),
  rejectUnauthorized: z.boolean().default(true),
  batchSize: z.number().int().min(1).max(5000).default(200),
});
export type SplunkHecSinkConfig = z.infer<typeof splunkHecConfigSchema>;
export const splunkHecSecretSchema = z.strictObject({ token: z.string().min(1).max(512) });

export const ocsfKafkaConfigSchema = z.strictObject({
  topic: z
    .string()
    .regex(/^[\w.-]{1,249}$/)
    .default(TOPICS.ocsfEvents),
  batchSize: z.number().int().min(1).max(5000).default(500),
});
export type OcsfKafkaSinkConfig = z.infer<typeof ocsfKafkaConfigSchema>;
export const ocsfKafkaSecretSchema = z.strictObject({});

export const webhookConfigSchema = z.strictObject({
  url: httpUrl,
  batchSize: z.number().int().min(1).max(5000).default(100),
});
export type WebhookSinkConfig = z.infer<typeof webhookConfigSchema>;
export const webhookSecretSchema = z.strictObject({ secret: z.string().min(16).max(512) });

export const sinkConfigSchemas = {
  syslog_cef: { config: syslogConfigSchema, secret: syslogSecretSchema },
  syslog_leef: { config: syslogConfigSchema, secret: syslogSecretSchema },
  splunk_hec: { config: splunkHecConfigSchema, secret: splunkHecSecretSchema },
  ocsf_kafka: { config: ocsfKafkaConfigSchema, secret: ocsfKafkaSecretSchema },
  webhook: { config: webhookConfigSchema, secret: webhookSecretSchema },
} as const;

/** A sink as the exporter runs it: settings validated, secret decrypted. */
export type ResolvedSink =
  | {
      id: string;
      kind: 'syslog_cef' | 'syslog_leef';
      config: SyslogSinkConfig;
      secret: z.infer<typeof syslogSecretSchema>;
    }
  | {
      id: string;
      kind: 'splunk_hec';
      config: SplunkHecSinkConfig;
      secret: z.infer<typeof splunkHecSecretSchema>;
    }
  | {
      id: string;
      kind: 'ocsf_kafka';
      config: OcsfKafkaSinkConfig;
      secret: z.infer<typeof ocsfKafkaSecretSchema>;
    }
  | {
      id: string;
      kind: 'webhook';
      config: WebhookSinkConfig;
      secret: z.infer<typeof webhookSecretSchema>;
    };

/** Validates a kind's settings and secret together; throws a ZodError naming what is wrong. */
export function resolveSink(
  id: string,
  kind: SinkKind,
  config: unknown,
  secret: unknown,
): ResolvedSink {
  const schemas = sinkConfigSchemas[kind];
  return {
    id,
    kind,
    config: schemas.config.parse(config),
    secret: schemas.secret.parse(secret ?? {}),
  } as ResolvedSink;
}
