import { auditCheckpointEventSchema, buildEvent } from '@portcullis/contracts';
import { describe, expect, it } from 'vitest';
import { CheckpointSigner } from '../../src/checkpoints/checkpoint-signer.js';
import { escapeCefExtension, escapeCefHeader, formatCef } from '../../src/siem/cef-format.js';
import { escapeLeefValue, formatLeef, leefDelimiterField } from '../../src/siem/leef-format.js';
import { syslogConfigSchema } from '../../src/siem/sink-config.js';
import { toOcsfApiActivity } from '../../src/siem/ocsf-mapping.js';
import { toSiemRecord } from '../../src/siem/siem-record.js';
import {
  formatSyslogMessage,
  octetCountedFrame,
  syslogSeverity,
} from '../../src/siem/syslog-frame.js';
import { signWebhook, verifyWebhookSignature } from '../../src/siem/webhook-signature.js';
import { sourceNetwork } from '../../src/alerts/source-network.js';
import { parseCef, parseLeef, parseRfc5424, splitOctetCounted } from './siem-parsers.js';
import { access, alert, management, NASTY } from './siem-test-events.js';

describe('CEF escaping', () => {
  it('escapes backslash and pipe in the header, and flattens line breaks', () => {
    expect(escapeCefHeader('a|b\\c')).toBe('a\\|b\\\\c');
    expect(escapeCefHeader('x\r\ny\nz')).toBe('x y z');
  });

  it('escapes backslash, equals and line breaks in extension values, not pipes', () => {
    expect(escapeCefExtension('a=b')).toBe('a\\=b');
    expect(escapeCefExtension('a\\b')).toBe('a\\\\b');
    expect(escapeCefExtension('a\nb\rc')).toBe('a\\nb\\rc');
    expect(escapeCefExtension('a|b')).toBe('a|b');
    // The backslash is escaped first, so an escaped '=' is never double-escaped.
    expect(escapeCefExtension('\\=')).toBe('\\\\\\=');
  });

  it('round-trips an access event through a CEF parser, nasty values included', () => {
    const event = access({ path: `/p/${NASTY}`, userAgent: NASTY, clientId: 'c=1|\\x' });
    const text = formatCef(toSiemRecord(event), { productVersion: '1|2' });
    expect(text).not.toMatch(/[\r\n]/);
    const parsed = parseCef(text);
    expect(parsed).toMatchObject({
      version: 'CEF:0',
      vendor: 'Portcullis',
      product: 'Portcullis',
      productVersion: '1|2',
      signatureId: 'access:ok',
      name: 'API access allowed',
      severity: '1',
    });
    expect(parsed.extension).toMatchObject({
      request: `/p/${NASTY}`,
      requestClientApplication: NASTY,
      suser: 'c=1|\\x',
      src: '203.0.113.9',
      requestMethod: 'POST',
      outcome: 'success',
      act: 'allow',
      reason: 'ok',
      rt: String(Date.parse(event.time)),
      externalId: event.id,
      cn1: '201',
      cn1Label: 'httpStatus',
      cs1: event.data.appId,
      cs1Label: 'appId',
      cs2: 'orders',
      cs3: 'production',
      cs4: event.data.requestId,
      cs5: event.traceId,
      in: '321',
      out: '654',
    });
  });

  it('rates denials above allowed requests and auth failures above other denials', () => {
    const allowed = toSiemRecord(access()).severity;
    const denied = toSiemRecord(
      access({ decision: 'deny', reason: 'no_subscription', status: 403 }),
    );
    const authFailure = toSiemRecord(
      access({ decision: 'deny', reason: 'invalid_credential', status: 401 }),
    );
    expect(denied.severity).toBeGreaterThan(allowed);
    expect(authFailure.severity).toBeGreaterThan(denied.severity);
    expect(authFailure.outcome).toBe('failure');
  });

  it('maps management and alert events with escaped header names', () => {
    const managementText = formatCef(toSiemRecord(management()), { productVersion: '1' });
    const parsedManagement = parseCef(managementText);
    expect(parsedManagement.signatureId).toBe('management:credential.revoked');
    expect(parsedManagement.extension.suser).toBe('sec|ops=team\\lead');
    expect(parsedManagement.extension.reason).toBe('leaked\nin a repo');
    const alertEvent = alert();
    const parsedAlert = parseCef(formatCef(toSiemRecord(alertEvent), { productVersion: '1' }));
    expect(parsedAlert.severity).toBe('8');
    expect(parsedAlert.extension.msg).toBe(alertEvent.data.summary);
    expect(parsedAlert.extension.cs6).toBe(alertEvent.data.dedupKey);
  });
});

describe('LEEF 2.0', () => {
  it('writes tab as x09 and other printable delimiters as themselves', () => {
    expect(leefDelimiterField('\t')).toBe('x09');
    expect(leefDelimiterField('^')).toBe('^');
    expect(leefDelimiterField('|')).toBe('x7c');
  });

  it('refuses a delimiter that would break the format, in the sink config and the formatter', () => {
    const config = (leefDelimiter: string) =>
      syslogConfigSchema.safeParse({ host: 'siem.example', port: 514, leefDelimiter }).success;
    for (const bad of ['=', '\\', '\r', '\n', '^^']) {
      expect(config(bad)).toBe(false);
      expect(() =>
        formatLeef(toSiemRecord(access()), { productVersion: '1', delimiter: bad }),
      ).toThrow(RangeError);
    }
    for (const good of ['\t', '^', '|', ';']) expect(config(good)).toBe(true);
  });

  it('escapes backslash, the delimiter, equals, tab and line breaks in values', () => {
    expect(escapeLeefValue('a^b', '^')).toBe('a\\^b');
    expect(escapeLeefValue('a\tb', '^')).toBe('a\\tb');
    expect(escapeLeefValue('a\\b=c\nd\re', '\t')).toBe('a\\\\b\\=c\\nd\\re');
  });

  it.each(['\t', '^', ';'])('round-trips through a LEEF parser with delimiter %j', (delimiter) => {
    const event = access({ path: `/p/${NASTY};x`, userAgent: NASTY, clientId: 'c=1|\\x' });
    const text = formatLeef(toSiemRecord(event), { productVersion: '2.1', delimiter });
    expect(text).not.toMatch(/[\r\n]/);
    const parsed = parseLeef(text);
    expect(parsed).toMatchObject({
      version: 'LEEF:2.0',
      vendor: 'Portcullis',
      product: 'Portcullis',
      productVersion: '2.1',
      eventId: 'access:ok',
      delimiter,
    });
    expect(parsed.attributes).toMatchObject({
      url: `/p/${NASTY};x`,
      userAgent: NASTY,
      usrName: 'c=1|\\x',
      src: '203.0.113.9',
      cat: 'gateway.access',
      sev: '1',
      httpStatus: '201',
      srcBytes: '321',
      dstBytes: '654',
      eventId: event.id,
      devTime: event.time.replace('Z', '+0000'),
    });
  });

  it('refuses a delimiter that would break the record', () => {
    const record = toSiemRecord(access());
    expect(() => formatLeef(record, { productVersion: '1', delimiter: '=' })).toThrow(RangeError);
    expect(() => formatLeef(record, { productVersion: '1', delimiter: '\n' })).toThrow(RangeError);
  });
});

describe('RFC 5424 frames', () => {
  it('builds PRI from facility and severity and frames by octet count (UTF-8 bytes)', () => {
    const message = formatSyslogMessage({
      facility: 13,
      severity: syslogSeverity(8),
      time: new Date('2026-11-26T10:00:00.123Z'),
      hostname: 'host with space',
      appName: 'portcullis',
      msgId: 'gateway.access',
      message: 'CEF:0|é|x',
    });
    const parsed = parseRfc5424(message);
    expect(parsed).toMatchObject({
      pri: 13 * 8 + 3,
      version: '1',
      timestamp: '2026-11-26T10:00:00.123Z',
      hostname: 'hostwithspace',
      appName: 'portcullis',
      msgId: 'gateway.access',
      structuredData: '-',
      message: 'CEF:0|é|x',
    });
    const frame = octetCountedFrame(message);
    const declared = Number(frame.toString('ascii').split(' ')[0]);
    expect(declared).toBe(Buffer.byteLength(message, 'utf8'));
    expect(declared).toBeGreaterThan(message.length);
    expect(splitOctetCounted(Buffer.concat([frame, frame]))).toEqual([message, message]);
  });

  it('rejects a facility outside 0–23', () => {
    expect(() =>
      formatSyslogMessage({ facility: 24, severity: 6, time: new Date(), message: 'x' }),
    ).toThrow(RangeError);
  });
});

describe('OCSF API Activity', () => {
  it('maps an access event with the required attributes', () => {
    const event = access({
      method: 'DELETE',
      decision: 'deny',
      reason: 'insufficient_scope',
      status: 403,
    });
    const record = toOcsfApiActivity(event, '0.1.0');
    expect(record).toMatchObject({
      class_uid: 6003,
      category_uid: 6,
      activity_id: 4,
      type_uid: 600304,
      time: Date.parse(event.time),
      severity_id: 3,
      status_id: 2,
      metadata: { uid: event.id, product: { name: 'Portcullis', vendor_name: 'Portcullis' } },
      api: { operation: 'DELETE /orders/{id}', request: { uid: event.data.requestId } },
      src_endpoint: { ip: '203.0.113.9' },
      cloud: { provider: 'self-hosted' },
    });
    expect(record?.metadata.version).toMatch(/^1\.\d+\.\d+$/);
  });

  it('maps management events and leaves alerts out', () => {
    const record = toOcsfApiActivity(management(), '0.1.0');
    expect(record).toMatchObject({
      class_uid: 6003,
      activity_id: 4,
      api: { operation: 'credential.revoked' },
    });
    expect(toOcsfApiActivity(alert(), '0.1.0')).toBeNull();
  });

  it('never writes an empty source endpoint, which OCSF requires to identify something', () => {
    const system = management();
    const withoutAddress = { ...system, data: { ...system.data, sourceIp: null } };
    expect(toOcsfApiActivity(withoutAddress, '0.1.0')?.src_endpoint).toEqual({
      svc_name: 'portcullis-identity',
    });
    expect(toOcsfApiActivity(management(), '0.1.0')?.src_endpoint).toEqual({
      ip: '198.51.100.20',
    });
    expect(toOcsfApiActivity(access({ sourceIp: '' }), '0.1.0')?.src_endpoint).toEqual({
      svc_name: 'unknown',
    });
  });
});

/**
 * OCSF 1.3 Actor: at least one of process, user, invoked_by, session, app_name, app_uid; User: at
 * least one of account, name, uid. Checked on the JSON a consumer reads (undefined dropped).
 */
function actorProblems(actor: unknown): string[] {
  const json = JSON.parse(JSON.stringify(actor ?? null)) as Record<string, unknown> | null;
  if (!json) return ['no actor'];
  const problems: string[] = [];
  const named = ['process', 'user', 'invoked_by', 'session', 'app_name', 'app_uid'];
  if (!named.some((key) => json[key] !== undefined)) problems.push('actor names nobody');
  const user = json.user as Record<string, unknown> | undefined;
  if (user && !['account', 'name', 'uid'].some((key) => typeof user[key] === 'string')) {
    problems.push('user without uid, name or account');
  }
  return problems;
}

describe('OCSF actor', () => {
  const unauthenticated = {
    appId: null,
    teamId: null,
    clientId: null,
    credentialId: null,
    environment: null,
    authMethod: 'none',
    decision: 'deny',
    status: 401,
  } as const;

  it('names a caller without a valid credential anonymous instead of writing an empty user', () => {
    for (const reason of ['no_credential', 'invalid_credential', 'revoked_credential'] as const) {
      const record = toOcsfApiActivity(access({ ...unauthenticated, reason }), '0.1.0');
      expect(actorProblems(record?.actor), reason).toEqual([]);
      expect(JSON.parse(JSON.stringify(record?.actor))).toEqual({
        user: { name: 'anonymous', type_id: 99, type: 'Anonymous' },
        authorizations: [{ decision: 'Denied' }],
      });
    }
  });

  it('keeps the client as the user and an API key caller as its application', () => {
    const client = toOcsfApiActivity(
      access({ appId: 'app-1', clientId: 'client-1', credentialId: 'cred-1' }),
      '0.1.0',
    );
    expect(actorProblems(client?.actor)).toEqual([]);
    expect(client?.actor).toMatchObject({
      app_uid: 'app-1',
      user: { uid: 'client-1', uid_alt: 'cred-1', type_id: 99 },
    });
    // An API key has no client id: the application is who called, the key stays findable.
    const apiKey = toOcsfApiActivity(
      access({ appId: 'app-2', clientId: null, credentialId: 'cred-2', authMethod: 'api_key' }),
      '0.1.0',
    );
    expect(actorProblems(apiKey?.actor)).toEqual([]);
    expect(JSON.parse(JSON.stringify(apiKey?.actor))).toEqual({
      app_uid: 'app-2',
      authorizations: [{ decision: 'Allowed' }],
    });
    expect(apiKey?.unmapped).toMatchObject({ credential_id: 'cred-2' });
  });

  it('names a platform actor without id or label by its type', () => {
    const event = management();
    const system = {
      ...event,
      data: { ...event.data, actor: { type: 'system' as const, id: null, label: null } },
    };
    const record = toOcsfApiActivity(system, '0.1.0');
    expect(actorProblems(record?.actor)).toEqual([]);
    expect(record?.actor).toMatchObject({ user: { name: 'system', type: 'system' } });
    expect(actorProblems(toOcsfApiActivity(management(), '0.1.0')?.actor)).toEqual([]);
  });
});

describe('webhook signatures', () => {
  it('verifies its own signature and rejects a changed body, secret or stale timestamp', () => {
    const now = 1_800_000_000;
    const header = signWebhook('s3cret-s3cret-s3cret', '{"a":1}', now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', '{"a":1}', header, now)).toBe(true);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', '{"a":2}', header, now)).toBe(false);
    expect(verifyWebhookSignature('other-secret-other', '{"a":1}', header, now)).toBe(false);
    expect(verifyWebhookSignature('s3cret-s3cret-s3cret', '{"a":1}', header, now + 301)).toBe(
      false,
    );
  });
});

describe('source networks', () => {
  it('masks IPv4 to /24 and IPv6 to /64', () => {
    expect(sourceNetwork('203.0.113.77')).toBe('203.0.113.0/24');
    expect(sourceNetwork('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(sourceNetwork('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2:0:0:0:0/64');
    expect(sourceNetwork('2001:db8::1')).toBe('2001:db8:0:0:0:0:0:0/64');
    expect(sourceNetwork('10.1.2.3', 16)).toBe('10.1.0.0/16');
    expect(sourceNetwork('not-an-ip')).toBeNull();
  });
});

describe('chain checkpoints in CEF and LEEF', () => {
  it('carries chain, position, head hash and signature', () => {
    const signer = new CheckpointSigner(Buffer.alloc(32, 1).toString('base64'));
    const event = buildEvent(auditCheckpointEventSchema, {
      source: 'audit',
      data: signer.sign({
        chain: '2026-11-27',
        seq: 12,
        headHash: 'c'.repeat(64),
        headEventId: '0193a000-0000-7000-8000-000000000001',
        checkpointedAt: '2026-11-27T12:00:00.000Z',
      }),
    });
    const cef = parseCef(formatCef(toSiemRecord(event), { productVersion: '1' }));
    expect(cef).toMatchObject({ signatureId: 'checkpoint:chain', name: 'Audit chain checkpoint' });
    expect(cef.extension).toMatchObject({ cs6: '2026-11-27:12', cat: 'audit.checkpoint' });
    expect(cef.extension.msg).toContain('c'.repeat(64));
    expect(cef.extension.msg).toContain(event.data.signature);
    const leef = parseLeef(formatLeef(toSiemRecord(event), { productVersion: '1' }));
    expect(JSON.stringify(leef)).toContain(event.data.signature);
  });
});
