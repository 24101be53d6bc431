import { alertEventSchema, buildEvent, type AlertEventData } from '@portcullis/contracts';
import { describe, expect, it } from 'vitest';
import { toOcsfDetectionFinding } from '../../src/siem/ocsf-detection-finding.js';
import { OCSF_VERSION, toOcsfRecord } from '../../src/siem/ocsf-mapping.js';
import { access, alert } from './siem-test-events.js';

function alertWith(data: Partial<AlertEventData>) {
  const base = alert();
  return buildEvent(alertEventSchema, {
    source: 'audit',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    data: { ...base.data, ...data },
  });
}

// The OCSF 1.3.0 Detection Finding class: required attributes and the enumerations' values.
describe('OCSF Detection Finding for alerts', () => {
  it('maps an opened alert with every required attribute of the class', () => {
    const event = alertWith({
      rule: 'revoked_credential_use',
      severity: 'critical',
      count: 3,
      firstSeenAt: '2026-11-27T10:00:00.000Z',
      lastSeenAt: '2026-11-27T10:02:00.000Z',
      subject: {
        clientId: 'client-7',
        credentialId: 'cred-9',
        sourceIp: '203.0.113.9',
        apiId: 'api-3',
        appId: 'app-4',
      },
    });
    const record = toOcsfDetectionFinding(event, '1.2.3');
    // Required by Detection Finding (and its base event) in OCSF 1.3.0.
    for (const field of [
      'activity_id',
      'category_uid',
      'class_uid',
      'finding_info',
      'metadata',
      'severity_id',
      'time',
      'type_uid',
    ]) {
      expect(record, field).toHaveProperty(field);
    }
    expect(record).toMatchObject({
      class_uid: 2004,
      class_name: 'Detection Finding',
      category_uid: 2,
      category_name: 'Findings',
      activity_id: 1,
      activity_name: 'Create',
      type_uid: 200401,
      time: Date.parse(event.time),
      severity_id: 5,
      severity: 'Critical',
      status_id: 1,
      status: 'New',
      count: 3,
      message: event.data.summary,
      start_time: Date.parse('2026-11-27T10:00:00.000Z'),
      end_time: Date.parse('2026-11-27T10:02:00.000Z'),
      finding_info: {
        uid: event.data.alertId,
        title: 'Use of a revoked or expired credential',
        desc: event.data.summary,
        types: ['revoked_credential_use'],
        first_seen_time: Date.parse('2026-11-27T10:00:00.000Z'),
        last_seen_time: Date.parse('2026-11-27T10:02:00.000Z'),
        analytic: { uid: 'revoked_credential_use', type_id: 1, type: 'Rule' },
      },
      evidences: [
        {
          src_endpoint: { ip: '203.0.113.9' },
          actor: { user: { uid: 'client-7' } },
          api: { service: { uid: 'api-3' } },
        },
      ],
      metadata: {
        uid: event.id,
        version: OCSF_VERSION,
        correlation_uid: event.traceId,
        product: { name: 'Portcullis', vendor_name: 'Portcullis', version: '1.2.3' },
      },
      unmapped: { dedup_key: event.data.dedupKey, transition: 'opened' },
    });
    expect(record.resources).toEqual(
      expect.arrayContaining([
        { type: 'application', uid: 'app-4' },
        { type: 'api', uid: 'api-3' },
        { type: 'credential', uid: 'cred-9' },
      ]),
    );
  });

  it('follows the alert through its states: update, in progress, close', () => {
    const cases = [
      { transition: 'updated', status: 'open', activity: 2, statusId: 1 },
      { transition: 'acknowledged', status: 'acknowledged', activity: 2, statusId: 2 },
      { transition: 'resolved', status: 'resolved', activity: 3, statusId: 4 },
    ] as const;
    for (const { transition, status, activity, statusId } of cases) {
      const record = toOcsfDetectionFinding(
        alertWith({ transition, status, changedBy: 'secops@example.com' }),
        '1.0.0',
      );
      expect(record, transition).toMatchObject({
        activity_id: activity,
        type_uid: 200400 + activity,
        status_id: statusId,
        unmapped: { changed_by: 'secops@example.com', transition },
      });
    }
  });

  it('maps each severity to the OCSF severity_id', () => {
    const ids = (['low', 'medium', 'high', 'critical'] as const).map(
      (severity) => toOcsfDetectionFinding(alertWith({ severity }), '1.0.0').severity_id,
    );
    expect(ids).toEqual([2, 3, 4, 5]);
  });

  it('leaves out evidence and resources an alert has no subject for', () => {
    const record = toOcsfDetectionFinding(alertWith({ subject: {} }), '1.0.0');
    expect(record).not.toHaveProperty('evidences');
    expect(record).not.toHaveProperty('resources');
  });

  it('is what the OCSF sink publishes for alerts, beside API Activity for traffic', () => {
    expect(toOcsfRecord(alert(), '1.0.0')).toMatchObject({ class_uid: 2004 });
    expect(toOcsfRecord(access(), '1.0.0')).toMatchObject({ class_uid: 6003 });
  });
});
