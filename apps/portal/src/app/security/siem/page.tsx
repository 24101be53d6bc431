import type { Metadata } from 'next';
import { createSiemSink, deleteSiemSink, setSiemSinkEnabled } from '../../../actions/misc-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { CheckboxGroupField, RadioGroupField, TextField } from '../../../components/forms/fields';
import { SecurityNav } from '../../../components/security-nav';
import { EmptyState, NotAllowed, PageHeader, Section, StatusBadge } from '../../../components/ui';
import { formatDateTime } from '../../../lib/format';
import { sinkHealth } from '../../../lib/sink-health';
import { audit } from '../../../server/backend';
import { listOf, siemSinkSchema } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'SIEM sinks' };

const KIND_LABELS: Record<string, string> = {
  syslog_cef: 'Syslog · CEF',
  syslog_leef: 'Syslog · LEEF',
  splunk_hec: 'Splunk HEC',
  ocsf_kafka: 'OCSF on Kafka',
  webhook: 'Webhook',
};

function lagText(lag: number | null | undefined): string {
  if (typeof lag !== 'number') return 'unknown';
  return lag === 1 ? '1 event behind' : `${lag} events behind`;
}

export default async function SiemPage() {
  const viewer = await requireViewer('/security/siem');
  if (!viewer.isSecurity) return <NotAllowed what="SIEM sinks" />;
  // One request for every sink's status: the lags come from one Kafka admin connection.
  const [sinks, csrf] = await Promise.all([
    audit('/v1/siem/sinks?include=status', listOf(siemSinkSchema)),
    csrfToken(),
  ]);
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
            Add one below: a signed webhook, Splunk HEC, syslog with CEF or LEEF, or OCSF on Kafka.
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
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sinks.items.map((sink) => {
                const status = sink.status;
                const health = sinkHealth(sink);
                const enabled = sink.enabled !== false;
                return (
                  <tr key={sink.id}>
                    <th scope="row">{sink.name}</th>
                    <td>{KIND_LABELS[sink.kind] ?? sink.kind}</td>
                    <td>
                      <StatusBadge status={health.status} label={health.label} />
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
                    <td>
                      <div className="row-actions">
                        <ActionForm
                          action={setSiemSinkEnabled.bind(null, sink.id, !enabled)}
                          csrf={csrf}
                          submitLabel={enabled ? 'Pause' : 'Resume'}
                          pendingLabel="Saving…"
                          variant="secondary"
                          className="compact-form"
                          label={`${enabled ? 'Pause' : 'Resume'} ${sink.name}`}
                        />
                        <ActionForm
                          action={deleteSiemSink.bind(null, sink.id)}
                          csrf={csrf}
                          submitLabel="Delete"
                          pendingLabel="Deleting…"
                          variant="danger"
                          className="compact-form"
                          label={`Delete ${sink.name}`}
                        />
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <div className="section-gap" />
      <Section title="Add a sink" id="new-sink-title">
        <NewSinkForm csrf={csrf} />
      </Section>
    </div>
  );
}

/** Fields of the chosen kind only appear (CSS :has on the kind radio; no script needed). */
function NewSinkForm({ csrf }: { csrf: string }) {
  return (
    <ActionForm
      action={createSiemSink}
      csrf={csrf}
      submitLabel="Add sink"
      pendingLabel="Adding…"
      label="Add a SIEM sink"
    >
      <TextField name="name" label="Name" required maxLength={100} />
      <RadioGroupField
        name="kind"
        label="Where to send events"
        defaultValue="webhook"
        required
        options={[
          {
            value: 'webhook',
            label: 'Webhook',
            description: 'HTTPS POST of JSON batches, HMAC-signed.',
          },
          { value: 'splunk_hec', label: 'Splunk HTTP Event Collector' },
          { value: 'syslog_cef', label: 'Syslog, CEF', description: 'RFC 5424 over TCP or TLS.' },
          { value: 'syslog_leef', label: 'Syslog, LEEF', description: 'For IBM QRadar.' },
          {
            value: 'ocsf_kafka',
            label: 'OCSF on Kafka',
            description: 'A topic on this platform’s broker.',
          },
        ]}
      />
      <div className="sink-field sink-field-url">
        <TextField name="url" label="URL" required hint="https://…" maxLength={2000} />
      </div>
      <div className="sink-field sink-field-secret">
        <TextField
          name="secret"
          label="Signing secret or HEC token"
          type="password"
          autoComplete="off"
          required
          hint="Stored encrypted by the audit service and never shown again."
        />
      </div>
      <div className="sink-field sink-field-index">
        <TextField name="index" label="Splunk index" maxLength={255} />
      </div>
      <div className="sink-field sink-field-syslog">
        <TextField name="host" label="Syslog host" required maxLength={255} />
        <TextField name="port" label="Port" type="number" inputMode="numeric" required />
        <label className="choice-inline">
          <input type="checkbox" name="tls" /> Use TLS (RFC 5425)
        </label>
      </div>
      <div className="sink-field sink-field-topic">
        <TextField name="topic" label="Kafka topic" hint="Default: the platform’s OCSF topic." />
      </div>
      <CheckboxGroupField
        name="eventTypes"
        label="Events to send"
        hint="None checked: every kind."
        options={[
          { value: 'gateway.access', label: 'Gateway access decisions' },
          { value: 'identity.management', label: 'Management changes' },
          { value: 'audit.alert', label: 'Alerts' },
        ]}
      />
      <RadioGroupField
        name="startFrom"
        label="Start from"
        defaultValue="latest"
        options={[
          { value: 'latest', label: 'New events only' },
          { value: 'earliest', label: 'Everything Kafka still holds' },
        ]}
      />
    </ActionForm>
  );
}
