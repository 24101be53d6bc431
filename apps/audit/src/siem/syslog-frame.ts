import { hostname } from 'node:os';

export interface SyslogMessage {
  /** RFC 5424 facility, 0–23 (13 = log audit). */
  facility: number;
  /** 0 (emergency) … 7 (debug). */
  severity: number;
  time: Date;
  hostname?: string;
  appName?: string;
  msgId?: string;
  message: string;
}

/** RFC 5424 header fields are printable US-ASCII without spaces, with a length cap; `-` if empty. */
function headerField(value: string | undefined, maxLength: number): string {
  const cleaned = (value ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, maxLength);
  return cleaned === '' ? '-' : cleaned;
}

/** Maps CEF's 0–10 severity scale to a syslog severity. */
export function syslogSeverity(cefSeverity: number): number {
  if (cefSeverity >= 9) return 2; // critical
  if (cefSeverity >= 7) return 3; // error
  if (cefSeverity >= 5) return 4; // warning
  if (cefSeverity >= 3) return 5; // notice
  return 6; // informational
}

/**
 * One RFC 5424 message: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`. The MSG goes
 * without a BOM: CEF/LEEF parsers read it as plain text, and it holds no line breaks (the
 * formatters escape them), so octet counting frames it safely.
 */
export function formatSyslogMessage(message: SyslogMessage): string {
  if (!Number.isInteger(message.facility) || message.facility < 0 || message.facility > 23) {
    throw new RangeError('syslog facility must be 0–23');
  }
  const pri = message.facility * 8 + Math.min(7, Math.max(0, message.severity));
  return [
    `<${pri}>1`,
    message.time.toISOString(),
    headerField(message.hostname ?? hostname(), 255),
    headerField(message.appName ?? 'portcullis', 48),
    headerField(String(process.pid), 128),
    headerField(message.msgId, 32),
    '-',
    message.message,
  ].join(' ');
}

/** RFC 6587 octet-counted framing (also RFC 5425's for TLS): `MSG-LEN SP SYSLOG-MSG`. */
export function octetCountedFrame(syslogMessage: string): Buffer {
  const body = Buffer.from(syslogMessage, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}
