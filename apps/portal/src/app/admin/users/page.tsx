import type { Metadata } from 'next';
import {
  disableAccount,
  enableAccount,
  grantRole,
  revokeRole,
} from '../../../actions/misc-actions';
import { issuePasswordReset } from '../../../actions/password-reset-actions';
import { AdminNav } from '../../../components/admin-nav';
import { Pager } from '../../../components/pager';
import { pageHref, parsePage } from '../../../lib/paging';
import { ActionForm } from '../../../components/forms/action-form';
import { ConfirmCheckboxField, SelectField } from '../../../components/forms/fields';
import { EmptyState, NotAllowed, PageHeader, StatusBadge } from '../../../components/ui';
import { formatDateTime } from '../../../lib/format';
import { identity } from '../../../server/backend';
import { apiSummarySchema, listOf, userSchema, type User } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'Users and roles' };

const PAGE_SIZE = 50;

export default async function UsersPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer('/admin/users');
  if (!viewer.isAdmin && !viewer.isSecurity) return <NotAllowed what="User administration" />;
  const params = await searchParams;
  const query = typeof params.q === 'string' ? params.q.slice(0, 200) : '';
  const page = parsePage(params.page);
  const [users, apis, csrf] = await Promise.all([
    identity('/v1/users', listOf(userSchema), { query: { q: query, page, pageSize: PAGE_SIZE } }),
    identity('/v1/apis', listOf(apiSummarySchema), { query: { pageSize: 100 } }),
    csrfToken(),
  ]);
  const apiOptions = apis.items.map((api) => ({
    value: api.id,
    label: `Approver of ${api.name} only`,
  }));
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Administration"
        title="Users and roles"
        lead="Everyone is a developer. Grant approver (for one API or all), security or admin on top; disable the account of someone who should no longer sign in; issue a password reset code for someone who cannot."
      />
      <AdminNav />
      <form role="search" className="search-form" method="get" action="/admin/users">
        <label>
          Find people
          <input type="search" name="q" defaultValue={query} placeholder="Name or email" />
        </label>
        <button type="submit" className="button button-secondary">
          Search
        </button>
      </form>
      {users.items.length === 0 ? (
        <EmptyState title="Nobody matches" />
      ) : (
        <ul className="plain-list" aria-label="Users">
          {users.items.map((user) => (
            <li key={user.id} className="panel">
              <div className="panel-header">
                <h2>
                  {user.displayName} <span className="muted">{user.email}</span>
                </h2>
                {user.status && <StatusBadge status={user.status} />}
              </div>
              {user.status === 'disabled' && (
                <p className="muted">
                  Disabled: cannot sign in until an admin enables the account.
                </p>
              )}
              <SignInLocks user={user} />
              <p className="muted">
                Last sign-in: {formatDateTime(user.lastSignInAt)}
                {user.totpEnabled !== undefined &&
                  ` · two-factor ${user.totpEnabled ? 'on' : 'off'}`}
              </p>
              <h3 className="small-heading">Roles</h3>
              {user.roles.length === 0 ? (
                <p className="muted">Developer only.</p>
              ) : (
                <ul className="plain-list">
                  {user.roles.map((assignment) => (
                    <li key={assignment.id} className="role-row">
                      <span>
                        <strong>{assignment.role}</strong>
                        {assignment.apiSlug && (
                          <span className="muted"> of {assignment.apiSlug}</span>
                        )}
                      </span>
                      {viewer.isAdmin && (
                        <ActionForm
                          action={revokeRole.bind(null, user.id, assignment.id)}
                          csrf={csrf}
                          submitLabel="Remove"
                          variant="danger"
                          className="inline-action"
                          label={`Remove ${assignment.role} from ${user.email}`}
                        />
                      )}
                    </li>
                  ))}
                </ul>
              )}
              {viewer.isAdmin && (
                <ActionForm
                  action={grantRole.bind(null, user.id)}
                  csrf={csrf}
                  submitLabel="Grant"
                  variant="secondary"
                  className="grant-form"
                  label={`Grant a role to ${user.email}`}
                >
                  <SelectField
                    name="role"
                    label="Role"
                    defaultValue="approver"
                    options={[
                      { value: 'approver', label: 'Approver' },
                      { value: 'security', label: 'Security' },
                      { value: 'admin', label: 'Admin' },
                    ]}
                    required
                  />
                  <SelectField
                    name="apiId"
                    label="Limited to"
                    hint="For approvers: one API, or every API."
                    options={apiOptions}
                    placeholder="Every API"
                  />
                </ActionForm>
              )}
              {viewer.isAdmin && user.id !== viewer.me.id && (
                <AccountStatusForm user={user} csrf={csrf} />
              )}
              {viewer.isAdmin && <PasswordResetForm user={user} csrf={csrf} />}
            </li>
          ))}
        </ul>
      )}
      <Pager
        page={page}
        pageSize={users.pageSize ?? PAGE_SIZE}
        total={users.total ?? users.items.length}
        hrefFor={(target) => pageHref('/admin/users', params, target)}
        label="User pages"
      />
    </div>
  );
}

/**
 * Disable or enable one account. One form whose action follows the status, so the message of
 * what was just done stays on screen when the page refreshes into the other state.
 */
function AccountStatusForm({ user, csrf }: { user: User; csrf: string }) {
  const disabled = user.status === 'disabled';
  return (
    <>
      <h3 className="small-heading">Account</h3>
      <ActionForm
        action={disabled ? enableAccount.bind(null, user.id) : disableAccount.bind(null, user.id)}
        csrf={csrf}
        submitLabel={disabled ? 'Enable account' : 'Disable account'}
        pendingLabel={disabled ? 'Enabling…' : 'Disabling…'}
        variant={disabled ? 'secondary' : 'danger'}
        label={`${disabled ? 'Enable' : 'Disable'} the account of ${user.email}`}
      >
        {disabled ? (
          <p className="muted">Enabling lets {user.displayName} sign in again.</p>
        ) : (
          <>
            <p className="muted">
              Disabling ends every session of {user.displayName} at once and refuses their sign-in
              until an admin enables the account again. Their teams’ applications and credentials
              keep working.
            </p>
            <ConfirmCheckboxField
              name="confirm"
              label={`Yes, disable ${user.email} and sign them out everywhere`}
            />
          </>
        )}
      </ActionForm>
    </>
  );
}

/**
 * A one-time code with which the person sets a new password on the public "Set a new password"
 * page (forgotten password, lockout). Shown once in the form; issuing another voids it.
 */
function PasswordResetForm({ user, csrf }: { user: User; csrf: string }) {
  return (
    <>
      <h3 className="small-heading">Password</h3>
      <ActionForm
        action={issuePasswordReset.bind(null, user.id)}
        csrf={csrf}
        submitLabel="Issue password reset code"
        pendingLabel="Issuing…"
        variant="secondary"
        label={`Issue a password reset code for ${user.email}`}
      >
        <p className="muted">
          For someone who forgot their password or is locked out: a one-time code with which{' '}
          {user.displayName} sets a new password. Their current password keeps working until then;
          issuing another code voids the earlier one.
        </p>
      </ActionForm>
    </>
  );
}

/** Lockouts still running; neither is lifted by hand: a password reset ends both. */
function SignInLocks({ user }: { user: User }) {
  const now = Date.now();
  const running = (until: string | null | undefined) =>
    until && Date.parse(until) > now ? until : null;
  const account = running(user.lockedUntil);
  const newDevices = running(user.newDevicesLockedUntil);
  if (!account && !newDevices) return null;
  return (
    <>
      {account && (
        <p className="muted">
          Locked on every device until {formatDateTime(account)} after wrong second factors or
          current passwords.
        </p>
      )}
      {newDevices && (
        <p className="muted">
          New devices locked out until {formatDateTime(newDevices)} after wrong passwords; devices
          this person signed in from before still work.
        </p>
      )}
    </>
  );
}
