import type { Metadata } from 'next';
import Link from 'next/link';
import { createTeam } from '../../actions/team-actions';
import { ActionForm } from '../../components/forms/action-form';
import { TextAreaField, TextField } from '../../components/forms/fields';
import { Pager } from '../../components/pager';
import { EmptyState, PageHeader, Section } from '../../components/ui';
import { pageHref, parsePage } from '../../lib/paging';
import { identity } from '../../server/backend';
import { listOf, teamSummarySchema } from '../../server/models';
import { requireViewer } from '../../server/require-viewer';
import { csrfToken } from '../../server/session';

export const metadata: Metadata = { title: 'Teams' };

const PAGE_SIZE = 24;

export default async function TeamsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireViewer('/teams');
  const params = await searchParams;
  const left = params.left === '1';
  const page = parsePage(params.page);
  const [teams, csrf] = await Promise.all([
    identity('/v1/teams', listOf(teamSummarySchema), { query: { page, pageSize: PAGE_SIZE } }),
    csrfToken(),
  ]);
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Teams"
        title="Teams"
        lead="Teams own applications and APIs. Everyone in a team sees its applications and their credentials."
      />
      {left && (
        <p className="notice" role="status">
          You left the team.
        </p>
      )}
      <div className="split">
        <section aria-labelledby="team-list-title">
          <h2 id="team-list-title" className="visually-hidden">
            Your teams
          </h2>
          {teams.items.length === 0 ? (
            <EmptyState title="You are in no team yet">
              <p>Create one to share applications with colleagues.</p>
            </EmptyState>
          ) : (
            <ul className="grid-cards">
              {teams.items.map((team) => (
                <li key={team.id} className="card">
                  <h3>
                    <Link href={`/teams/${encodeURIComponent(team.id)}`}>{team.name}</Link>
                  </h3>
                  {team.description && <p className="muted">{team.description}</p>}
                  <p className="card-meta">
                    {team.memberCount !== undefined && (
                      <span>
                        {team.memberCount} {team.memberCount === 1 ? 'member' : 'members'}
                      </span>
                    )}
                    {team.applicationCount !== undefined && (
                      <span>
                        · {team.applicationCount}{' '}
                        {team.applicationCount === 1 ? 'application' : 'applications'}
                      </span>
                    )}
                    {team.myRole && <span>· you are {team.myRole}</span>}
                  </p>
                </li>
              ))}
            </ul>
          )}
          <Pager
            page={page}
            pageSize={teams.pageSize ?? PAGE_SIZE}
            total={teams.total ?? teams.items.length}
            hrefFor={(target) => pageHref('/teams', { ...params, left: undefined }, target)}
            label="Team pages"
          />
        </section>
        <Section title="Create a team" id="create-team-title">
          <ActionForm
            action={createTeam}
            csrf={csrf}
            submitLabel="Create team"
            label="Create a team"
          >
            <TextField name="name" label="Team name" required />
            <TextAreaField name="description" label="What the team does" rows={3} />
          </ActionForm>
        </Section>
      </div>
    </div>
  );
}
