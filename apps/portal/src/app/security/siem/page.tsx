import type { Metadata } from 'next';
import { z } from 'zod';
import { SecurityNav } from '../../../components/security-nav';
import { EmptyState, NotAllowed, PageHeader, StatusBadge } from '../../../components/ui';
import { formatDateTime } from '../../../lib/format';
import { apiPath, audit, optional } from '../../../server/backend';
import { listOf, siemSinkSchema } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';

export const metadata: Metadata = { title: 'SIEM sinks' };

const KIND_LABELS: Record<string, string> = {
  syslog_cef: 'Syslog · CEF',
  syslog_leef: 'Syslog · LEEF',
  splunk_hec: 'Splunk HEC',
  ocsf_kafka: 'OCSF on Kafka',
  webhook: 'Webhook',
};

const statusSchema = z.looseObject({
  healthy: z.boolean().optional(),
  lag: z.unknown().optional(),
  lastSuccessAt: z.string().nullish(),
  lastError: z.string().nullish(),
  lastErrorAt: z.string().nullish(),
});

function lagText(lag: unknown): string {
  if (typeof lag === 'number') return `${lag} events behind`;
  if (lag && typeof lag === 'object' && 'total' in lag && typeof lag.total === 'number')
    return `${lag.total} events behind`;
  return 'unknown';
}

export default async function SiemPage() {
  const viewer = await requireViewer('/security/siem');
  if (!viewer.isSecurity) return <NotAllowed what="SIEM sinks" />;
  const sinks = await audit('/v1/siem/sinks', listOf(siemSinkSchema));
  const statuses = await Promise.all(
    sinks.items.map((sink) =>
      optional(audit(apiPath`/v1/siem/sinks/${sink.id}/status`, statusSchema)),
    ),
  );
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Security"
        title="SIEM sinks"
        lead="Where the audit trail is delivered, and whether delivery keeps up. Each sink has its own durable cursor."
      />
      <SecurityNav />
      {sinks.items.length === 0 ? (
        <EmptyState title="No sinks configured">
          <p>
            Add one through the audit API (POST /v1/siem/sinks): syslog with CEF or LEEF, Splunk
            HEC, OCSF on Kafka, or a webhook.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Sink</th>
                <th scope="col">Kind</th>
                <th scope="col">Health</th>
                <th scope="col">Backlog</th>
                <th scope="col">Last delivery</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {sinks.items.map((sink, index) => {
                const status = statuses[index];
                const healthy = status?.healthy ?? (sink.lastErrorAt ? false : true);
                const enabled = sink.enabled !== false;
                return (
                  <tr key={sink.id}>
                    <th scope="row">{sink.name}</th>
                    <td>{KIND_LABELS[sink.kind] ?? sink.kind}</td>
                    <td>
                      {!enabled ? (
                        <StatusBadge status="neutral" label="Disabled" />
                      ) : (
                        <StatusBadge
                          status={healthy ? 'ok' : 'error'}
                          label={healthy ? 'Healthy' : 'Failing'}
                        />
                      )}
                    </td>
                    <td>{lagText(status?.lag)}</td>
                    <td>{formatDateTime(status?.lastSuccessAt ?? sink.lastSuccessAt)}</td>
                    <td>
                      {status?.lastError ?? sink.lastError ?? '—'}
                      {(status?.lastErrorAt ?? sink.lastErrorAt) && (
                        <span className="muted">
                          {' '}
                          ({formatDateTime(status?.lastErrorAt ?? sink.lastErrorAt)})
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
