import type { Metadata } from 'next';
import Link from 'next/link';
import { inviteToSignUp, revokeInvitation } from '../../../actions/invitation-actions';
import { AdminNav } from '../../../components/admin-nav';
import { ActionForm } from '../../../components/forms/action-form';
import { TextField } from '../../../components/forms/fields';
import { Pager } from '../../../components/pager';
import { EmptyState, NotAllowed, PageHeader, Section, StatusBadge } from '../../../components/ui';
import { formatDateTime } from '../../../lib/format';
import { pageHref, parsePage } from '../../../lib/paging';
import { listDomains } from '../../../lib/sign-up-form';
import { identity } from '../../../server/backend';
import {
  invitationSchema,
  invitationStatusSchema,
  listOf,
  type InvitationStatus,
  type SignUpPolicy,
} from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';
import { csrfToken } from '../../../server/session';
import { readSignUpPolicy } from '../../../server/sign-up-policy';

export const metadata: Metadata = { title: 'Invitations' };

const PAGE_SIZE = 50;

const STATUS_LABELS: Record<InvitationStatus, string> = {
  pending: 'Pending',
  used: 'Used',
  expired: 'Expired',
  revoked: 'Revoked',
};

function policySentence(policy: SignUpPolicy | null): string {
  if (!policy) return 'Who may sign up without one could not be read just now.';
  if (policy.mode === 'invitation') return 'Sign-up here is by invitation only.';
  if (policy.emailDomains.length > 0)
    return `Sign-up here is open to addresses at ${listDomains(policy.emailDomains)}; other addresses need an invitation.`;
  return 'Sign-up here is open to anyone; an invitation is not needed.';
}

export default async function InvitationsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer('/admin/invitations');
  if (!viewer.isAdmin) return <NotAllowed what="Invitations" />;
  const params = await searchParams;
  const parsedStatus = invitationStatusSchema.safeParse(params.status);
  const status = parsedStatus.success ? parsedStatus.data : undefined;
  const page = parsePage(params.page);
  const [invitations, policy, csrf] = await Promise.all([
    identity('/v1/invitations', listOf(invitationSchema), {
      query: { status, page, pageSize: PAGE_SIZE },
    }),
    readSignUpPolicy(),
    csrfToken(),
  ]);
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Administration"
        title="Invitations"
        lead={`Invite someone to create an account: they get a one-time code for their e-mail address. ${policySentence(policy)}`}
      />
      <AdminNav />
      <Section title="Invite someone" id="invite-title">
        <ActionForm
          action={inviteToSignUp}
          csrf={csrf}
          submitLabel="Invite"
          pendingLabel="Inviting…"
          label="Invite someone to sign up"
        >
          <TextField
            name="email"
            label="Email address"
            type="email"
            autoComplete="off"
            hint="They sign up with exactly this address. The code is shown once, works once and expires; inviting the address again voids the earlier code."
            required
          />
        </ActionForm>
      </Section>
      <div className="section-gap" />
      <h2 id="invitations-title">Invitations, newest first</h2>
      <form
        role="search"
        className="search-form"
        method="get"
        action="/admin/invitations"
        aria-label="Filter invitations"
      >
        <label>
          Status
          <select name="status" defaultValue={status ?? ''}>
            <option value="">Any status</option>
            {invitationStatusSchema.options.map((option) => (
              <option key={option} value={option}>
                {STATUS_LABELS[option]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="button button-secondary">
          Show
        </button>
      </form>
      {invitations.items.length === 0 ? (
        <EmptyState
          title={
            status ? `No ${STATUS_LABELS[status].toLowerCase()} invitations` : 'No invitations yet'
          }
        >
          {status && (
            <p>
              <Link href="/admin/invitations">Show every invitation</Link>
            </p>
          )}
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-labelledby="invitations-title">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.items.map((invitation) => {
                const known = invitationStatusSchema.safeParse(invitation.status);
                return (
                  <tr key={invitation.id}>
                    <th scope="row">{invitation.email}</th>
                    <td>
                      <StatusBadge
                        status={invitation.status}
                        label={known.success ? STATUS_LABELS[known.data] : invitation.status}
                      />
                    </td>
                    <td>{formatDateTime(invitation.createdAt)}</td>
                    <td>
                      {invitation.status === 'revoked'
                        ? `Revoked ${formatDateTime(invitation.revokedAt)}`
                        : formatDateTime(invitation.expiresAt)}
                    </td>
                    <td>{formatDateTime(invitation.usedAt)}</td>
                    <td>
                      {invitation.status === 'pending' && (
                        <ActionForm
                          action={revokeInvitation.bind(null, invitation.id)}
                          csrf={csrf}
                          submitLabel="Revoke"
                          pendingLabel="Revoking…"
                          variant="danger"
                          className="compact-form"
                          label={`Revoke the invitation for ${invitation.email}`}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        page={page}
        pageSize={invitations.pageSize ?? PAGE_SIZE}
        total={invitations.total ?? invitations.items.length}
        hrefFor={(target) => pageHref('/admin/invitations', params, target)}
        label="Invitation pages"
      />
    </div>
  );
}
