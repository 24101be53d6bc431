import type { Metadata } from 'next';
import Link from 'next/link';
import { addTeamMember, removeTeamMember } from '../../../actions/team-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { SelectField, TextField } from '../../../components/forms/fields';
import { EmptyState, PageHeader, Section, StatusBadge } from '../../../components/ui';
import { formatDateTime } from '../../../lib/format';
import { apiPath, identity } from '../../../server/backend';
import { teamSchema } from '../../../server/models';
import { requireViewer } from '../../../server/require-viewer';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'Team' };

export default async function TeamPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { id } = await params;
  const removed = (await searchParams).removed === '1';
  const viewer = await requireViewer(`/teams/${id}`);
  const [team, csrf] = await Promise.all([
    identity(apiPath`/v1/teams/${id}`, teamSchema),
    csrfToken(),
  ]);
  const isOwner = team.myRole === 'owner';
  return (
    <div className="container page">
      <PageHeader eyebrow="Team" title={team.name} lead={team.description ?? undefined} />
      {removed && (
        <p className="notice" role="status">
          Member removed. They no longer see the team’s applications or credentials.
        </p>
      )}
      <div className="split">
        <div>
          <Section title="Members" id="members-title">
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Since</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {team.members.map((member) => (
                    <tr key={member.email}>
                      <th scope="row">{member.displayName ?? '—'}</th>
                      <td>
                        <a href={`mailto:${member.email}`}>{member.email}</a>
                      </td>
                      <td>
                        <StatusBadge
                          status={member.role === 'owner' ? 'active' : 'neutral'}
                          label={member.role}
                        />
                      </td>
                      <td>{formatDateTime(member.since)}</td>
                      <td>
                        {member.userId && (isOwner || member.userId === viewer.me.id) && (
                          <ActionForm
                            action={removeTeamMember.bind(
                              null,
                              team.id,
                              member.userId,
                              member.userId === viewer.me.id,
                            )}
                            csrf={csrf}
                            submitLabel={member.userId === viewer.me.id ? 'Leave team' : 'Remove'}
                            pendingLabel="Removing…"
                            variant="danger"
                            className="compact-form"
                            label={
                              member.userId === viewer.me.id
                                ? 'Leave the team'
                                : `Remove ${member.email} from the team`
                            }
                          />
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Section>
          <Section
            title="Applications"
            id="team-apps-title"
            actions={
              <Link
                href={`/apps/new?team=${encodeURIComponent(team.id)}`}
                className="button button-secondary button-small"
              >
                New application
              </Link>
            }
          >
            {team.applications.length === 0 ? (
              <EmptyState title="No applications yet" />
            ) : (
              <ul className="plain-list">
                {team.applications.map((app) => (
                  <li key={app.id}>
                    <Link href={`/apps/${encodeURIComponent(app.id)}`}>{app.name}</Link>
                  </li>
                ))}
              </ul>
            )}
          </Section>
          {team.ownedApis.length > 0 && (
            <Section title="APIs this team owns" id="team-apis-title">
              <ul className="plain-list">
                {team.ownedApis.map((api) => (
                  <li key={api.id}>
                    <Link href={`/owner/apis/${encodeURIComponent(api.slug)}`}>{api.name}</Link> —
                    consumers and usage
                  </li>
                ))}
              </ul>
            </Section>
          )}
        </div>
        <Section title="Add a member" id="add-member-title">
          {isOwner ? (
            <ActionForm
              action={addTeamMember.bind(null, team.id)}
              csrf={csrf}
              submitLabel="Add member"
              label="Add a member"
            >
              <TextField
                name="email"
                label="Email"
                type="email"
                hint="They need a Portcullis account already."
                required
              />
              <SelectField
                name="role"
                label="Role"
                defaultValue="member"
                options={[
                  { value: 'member', label: 'Member — uses the team’s applications' },
                  { value: 'owner', label: 'Owner — also manages members' },
                ]}
                required
              />
            </ActionForm>
          ) : (
            <p className="muted">Only owners of this team add members.</p>
          )}
        </Section>
      </div>
    </div>
  );
}
