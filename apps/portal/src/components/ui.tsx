import type { ReactNode } from 'react';
import { statusLabel, statusTone } from '../lib/format';

export function PageHeader({
  title,
  eyebrow,
  lead,
  actions,
}: {
  title: string;
  eyebrow?: string;
  lead?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div>
        {eyebrow && <p className="eyebrow">{eyebrow}</p>}
        <h1 id="page-title">{title}</h1>
        {lead && <p className="lead">{lead}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`badge badge-${statusTone(status)}`}>{label ?? statusLabel(status)}</span>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** A page body for people whose role does not reach this page. */
export function NotAllowed({ what }: { what: string }) {
  return (
    <section className="container page" aria-labelledby="page-title">
      <PageHeader title="Not available to you" lead={`${what} is for people with another role.`} />
      <p>Ask an administrator of your Portcullis installation if you need access.</p>
    </section>
  );
}

export function Section({
  title,
  id,
  children,
  actions,
}: {
  title: string;
  id: string;
  children: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="panel-header">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
