import type { Metadata } from 'next';
import { disableTotp } from '../../actions/mfa-actions';
import { ActionForm } from '../../components/forms/action-form';
import { KnownDevices } from '../../components/devices/known-devices';
import { TextField } from '../../components/forms/fields';
import { RecoveryCodeOption } from '../../components/mfa/recovery-code-option';
import { RecoveryCodesRenewal, TotpEnrolment } from '../../components/mfa/totp-enrolment';
import { PageHeader, Section, StatusBadge } from '../../components/ui';
import { identity } from '../../server/backend';
import { knownDeviceSchema, listOf } from '../../server/models';
import { requireViewer } from '../../server/require-viewer';
import { csrfToken } from '../../server/session';

export const metadata: Metadata = { title: 'Your account' };

/** Roles for which identity may require a second factor (IDENTITY_REQUIRE_MFA). */
const MFA_ROLES = ['approver', 'security', 'admin'];

export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer('/account');
  const [csrf, query, devices] = await Promise.all([
    csrfToken(),
    searchParams,
    identity('/v1/me/devices', listOf(knownDeviceSchema)),
  ]);
  const { me } = viewer;
  const totpEnabled = me.mfa?.totpEnabled ?? false;
  const roles = [...new Set(me.roles)];
  const privileged = viewer.isApprover || roles.some((role) => MFA_ROLES.includes(role));
  return (
    <div className="container page">
      <PageHeader eyebrow="Account" title="Your account" lead="Who you are and how you sign in." />
      {query.device === 'forgotten' && (
        <p className="notice" role="status">
          Device forgotten. Its sessions are over, and its next sign-in counts as a new device.
        </p>
      )}
      {query.mfa === 'off' && (
        <p className="notice" role="status">
          Two-factor sign-in is off. Your password alone signs you in now.
        </p>
      )}
      <div className="split">
        <Section title="Profile" id="profile-title">
          <dl className="details-list">
            <dt>Name</dt>
            <dd>{me.displayName}</dd>
            <dt>Email</dt>
            <dd>{me.email}</dd>
            <dt>Roles</dt>
            <dd>{roles.length > 0 ? roles.join(', ') : 'developer'}</dd>
          </dl>
        </Section>

        <Section
          title="Two-factor sign-in"
          id="mfa-title"
          actions={
            totpEnabled ? (
              <StatusBadge status="ok" label="On" />
            ) : (
              <StatusBadge status="neutral" label="Off" />
            )
          }
        >
          {totpEnabled ? (
            <>
              <p>Every sign-in asks for a code from your authenticator app.</p>
              {privileged && (
                <p className="muted">
                  Your roles can approve access or see the audit trail: the platform may require a
                  second factor for them, and then refuses to turn it off.
                </p>
              )}
              <h3>Recovery codes</h3>
              <RecoveryCodesRenewal csrf={csrf} remaining={me.mfa?.recoveryCodesRemaining} />
              <h3>Turn it off</h3>
              <ActionForm
                action={disableTotp}
                csrf={csrf}
                submitLabel="Turn off two-factor sign-in"
                pendingLabel="Turning off…"
                variant="danger"
                label="Turn off two-factor sign-in"
              >
                <TextField
                  name="code"
                  label="Current 6-digit code"
                  hint="Proves it is you, not someone at an unlocked screen."
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  minLength={6}
                  maxLength={6}
                />
                <RecoveryCodeOption hint="One of the codes you saved; it is used up, and the rest stop working." />
              </ActionForm>
            </>
          ) : (
            <TotpEnrolment csrf={csrf} />
          )}
        </Section>
      </div>
      <KnownDevices devices={devices.items} csrf={csrf} />
    </div>
  );
}
