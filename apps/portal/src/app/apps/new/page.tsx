import type { Metadata } from 'next';
import Link from 'next/link';
import { createApplication } from '../../../actions/application-actions';
import { ActionForm } from '../../../components/forms/action-form';
import { SelectField, TextAreaField, TextField } from '../../../components/forms/fields';
import { EmptyState, PageHeader } from '../../../components/ui';
import { requireViewer } from '../../../server/require-viewer';
import { csrfToken } from '../../../server/session';

export const metadata: Metadata = { title: 'New application' };

export default async function NewApplicationPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const viewer = await requireViewer('/apps/new');
  const [csrf, params] = await Promise.all([csrfToken(), searchParams]);
  // The person's own teams come with their profile; admins and security see every team in
  // /v1/teams, but an application goes to a team one belongs to.
  const mine = viewer.me.teams ?? [];
  const requested = typeof params.team === 'string' ? params.team : undefined;
  return (
    <div className="container page">
      <PageHeader
        eyebrow="Applications"
        title="Register an application"
        lead="An application is one service that calls APIs. Give it a name people will recognise in an approval request."
      />
      {mine.length === 0 ? (
        <EmptyState title="You need a team first">
          <p>Applications belong to a team.</p>
          <Link className="button button-primary" href="/teams">
            Create a team
          </Link>
        </EmptyState>
      ) : (
        <ActionForm
          action={createApplication}
          csrf={csrf}
          submitLabel="Register application"
          label="Register an application"
        >
          <SelectField
            name="teamId"
            label="Team"
            hint="Everyone in the team can manage this application and its credentials."
            defaultValue={requested ?? mine[0]?.id}
            options={mine.map((team) => ({ value: team.id, label: team.name }))}
            required
          />
          <TextField
            name="name"
            label="Application name"
            hint="For example: Billing reconciliation service."
            required
          />
          <TextAreaField
            name="description"
            label="What it does"
            hint="Approvers read this when you request access."
            rows={3}
          />
        </ActionForm>
      )}
    </div>
  );
}
