import { z } from 'zod';

/**
 * The "add a SIEM sink" form: one form for every kind, the fields of other kinds ignored, turned
 * into the audit API's `{ name, kind, config, secret }`. The audit service validates each kind's
 * settings again and its errors (paths `url`, `port`, `token`, …) map back onto these fields.
 */
export const SIEM_KINDS = [
  'webhook',
  'splunk_hec',
  'syslog_cef',
  'syslog_leef',
  'ocsf_kafka',
] as const;

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Keep it under ${max} characters`)
    .optional()
    .transform((value) => (value ? value : undefined));

const httpUrl = z.url({
  protocol: /^https?$/,
  error: 'Enter an http(s) URL, like https://siem.example.com/hook',
});

export const siemSinkFormSchema = z
  .object({
    name: z.string().trim().min(1, 'Name the sink').max(100, 'Keep it under 100 characters'),
    kind: z.enum(SIEM_KINDS, 'Choose where to send events'),
    url: text(2000),
    secret: text(512),
    index: text(255),
    host: text(255),
    port: text(5),
    tls: z.string().optional(),
    topic: text(249),
    eventTypes: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
      .pipe(z.array(z.enum(['gateway.access', 'identity.management', 'audit.alert']))),
    startFrom: z.enum(['latest', 'earliest']).default('latest'),
  })
  .transform((input, context) => {
    const issue = (path: string, message: string) => {
      context.addIssue({ code: 'custom', path: [path], message });
      return z.NEVER;
    };
    const base = {
      name: input.name,
      kind: input.kind,
      eventTypes: input.eventTypes,
      startFrom: input.startFrom,
    };
    if (input.kind === 'webhook' || input.kind === 'splunk_hec') {
      const url = httpUrl.safeParse(input.url);
      if (!url.success) return issue('url', url.error.issues[0]!.message);
      if (!input.secret) {
        return issue(
          'secret',
          input.kind === 'webhook'
            ? 'Enter the signing secret (16 characters or more)'
            : 'Enter the HEC token',
        );
      }
      if (input.kind === 'webhook') {
        if (input.secret.length < 16) return issue('secret', 'Use 16 characters or more');
        return { ...base, config: { url: url.data }, secret: { secret: input.secret } };
      }
      return {
        ...base,
        config: { url: url.data, ...(input.index ? { index: input.index } : {}) },
        secret: { token: input.secret },
      };
    }
    if (input.kind === 'syslog_cef' || input.kind === 'syslog_leef') {
      if (!input.host) return issue('host', 'Enter the syslog receiver’s host name');
      const port = z.coerce.number().int().min(1).max(65535).safeParse(input.port);
      if (!port.success) return issue('port', 'Enter a port between 1 and 65535');
      return { ...base, config: { host: input.host, port: port.data, tls: input.tls === 'on' } };
    }
    return { ...base, config: input.topic ? { topic: input.topic } : {} };
  });
export type SiemSinkInput = z.output<typeof siemSinkFormSchema>;
