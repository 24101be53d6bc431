const dateTime = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** A readable UTC time; the portal renders on the server, so it does not guess the reader's zone. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : `${dateTime.format(date)} UTC`;
}

const STATUS_LABELS: Record<string, string> = {
  pending: 'Waiting for approval',
  approved: 'Approved',
  rejected: 'Rejected',
  suspended: 'Suspended',
  revoked: 'Revoked',
  active: 'Active',
  disabled: 'Disabled',
  expired: 'Expired',
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  allow: 'Allowed',
  deny: 'Denied',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status.replaceAll('_', ' ');
}

/** The badge colour family of a status. */
export function statusTone(status: string): 'good' | 'bad' | 'wait' | 'neutral' {
  if (['approved', 'active', 'allow', 'resolved', 'up', 'ok'].includes(status)) return 'good';
  if (
    [
      'rejected',
      'revoked',
      'disabled',
      'suspended',
      'deny',
      'expired',
      'open',
      'down',
      'error',
      'critical',
      'high',
    ].includes(status)
  )
    return 'bad';
  if (['pending', 'acknowledged', 'medium'].includes(status)) return 'wait';
  return 'neutral';
}

export const ENVIRONMENT_LABELS: Record<string, string> = {
  sandbox: 'Sandbox',
  production: 'Production',
};

export const CREDENTIAL_KIND_LABELS: Record<string, string> = {
  api_key: 'API key',
  client_secret: 'OAuth2 client secret',
  private_key_jwt: 'private_key_jwt',
  tls_client_auth: 'Mutual TLS',
};

/** A notification's kind and payload in a sentence. Payload strings are shown as text only. */
export function describeNotification(
  kind: string,
  payload: unknown,
): { text: string; href?: string } {
  const data = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  const str = (key: string) => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
  const api = str('apiName') ?? str('apiSlug') ?? 'an API';
  const app = str('applicationName') ?? str('appName') ?? 'your application';
  const subscriptionId = str('subscriptionId');
  const href = subscriptionId ? `/subscriptions/${encodeURIComponent(subscriptionId)}` : undefined;
  switch (kind) {
    case 'subscription.approved':
      return { text: `Access to ${api} for ${app} was approved.`, href };
    case 'subscription.rejected':
      return { text: `Access to ${api} for ${app} was rejected.`, href };
    case 'subscription.requested':
      return { text: `${app} requests access to ${api}.`, href: href ?? '/approvals' };
    case 'credential.rotated':
      return { text: `A credential of ${app} was rotated.` };
    case 'credential.revoked':
      return { text: `A credential of ${app} was revoked.` };
    case 'team.member_added':
      return { text: `You were added to the team ${str('teamName') ?? ''}`.trim() + '.' };
    default:
      return { text: str('message') ?? kind.replaceAll('.', ' ').replaceAll('_', ' '), href };
  }
}
