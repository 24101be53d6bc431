import { forgetDevice, signOutOtherSessions } from '../../actions/session-actions';
import { formatDateTime } from '../../lib/format';
import { describeUserAgent } from '../../lib/user-agent';
import type { KnownDevice } from '../../server/models';
import { ActionForm } from '../forms/action-form';
import { EmptyState, Section, StatusBadge } from '../ui';

/**
 * The browsers and clients the person signed in from. A device they do not recognise, or one
 * they lost, is forgotten here: its sessions end and its next sign-in counts as a new device.
 */
export function KnownDevices({ devices, csrf }: { devices: KnownDevice[]; csrf: string }) {
  return (
    <Section title="Signed-in devices" id="devices-title">
      <p className="muted">
        Browsers and clients that signed in as you with the right password. Wrong passwords from one
        of them lock out that device alone; if someone else keeps guessing your password, new
        devices are locked out for a while, and these go on signing in. Forgetting a device you lost
        or do not recognise signs it out; forgetting this browser signs you out here.
      </p>
      {devices.length === 0 ? (
        <EmptyState title="No devices remembered">
          Devices appear here once they sign in with your password.
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">First signed in</th>
                <th scope="col">Last signed in</th>
                <th scope="col">From</th>
                <th scope="col">Open sessions</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {devices.map((device) => {
                const name = describeUserAgent(device.userAgent);
                return (
                  <tr key={device.id}>
                    <th scope="row">
                      <span title={device.userAgent ?? undefined}>{name}</span>{' '}
                      {device.current && <StatusBadge status="neutral" label="This browser" />}{' '}
                      {device.lockedUntil && (
                        <StatusBadge
                          status="error"
                          label={`Locked until ${formatDateTime(device.lockedUntil)}`}
                        />
                      )}
                    </th>
                    <td>{formatDateTime(device.createdAt)}</td>
                    <td>{formatDateTime(device.lastSignInAt)}</td>
                    <td>{device.lastSignInIp ?? '—'}</td>
                    <td>{device.openSessions}</td>
                    <td>
                      <ActionForm
                        action={forgetDevice.bind(null, device.id, device.current)}
                        csrf={csrf}
                        submitLabel={device.current ? 'Forget this browser' : 'Forget'}
                        pendingLabel="Forgetting…"
                        variant="danger"
                        className="compact-form"
                        label={
                          device.current
                            ? 'Forget this browser, which signs you out'
                            : `Forget ${name}, last signed in ${formatDateTime(device.lastSignInAt)}`
                        }
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <h3>Other sessions</h3>
      <p className="muted">
        Ends every other session you have open — other browsers, scripts that signed in as you — and
        keeps this one. The devices stay known; forget one above to make it new again.
      </p>
      <ActionForm
        action={signOutOtherSessions}
        csrf={csrf}
        submitLabel="End all other sessions"
        pendingLabel="Ending…"
        variant="secondary"
        label="End all other sessions"
      />
    </Section>
  );
}
