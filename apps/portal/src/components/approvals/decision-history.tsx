import { formatDateTime, statusLabel } from '../../lib/format';

export interface DecisionEntry {
  id?: string | undefined;
  from: string | null;
  to: string;
  comment: string | null;
  actor: string;
  at: string | null;
}

/** The approval history, oldest first, as an ordered list. */
export function DecisionHistory({ decisions }: { decisions: DecisionEntry[] }) {
  if (decisions.length === 0) return <p className="muted">No decisions yet.</p>;
  return (
    <ol className="timeline">
      {decisions.map((decision, index) => (
        <li key={decision.id ?? index}>
          <strong>{decision.from === null ? 'Requested' : statusLabel(decision.to)}</strong> by{' '}
          {decision.actor}
          <br />
          <span className="muted">{formatDateTime(decision.at)}</span>
          {decision.comment && <blockquote className="comment">{decision.comment}</blockquote>}
        </li>
      ))}
    </ol>
  );
}
