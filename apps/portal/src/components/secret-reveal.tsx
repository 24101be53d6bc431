import { CopyButton } from './copy-button';

/** A secret shown exactly once: a clear warning, the value as selectable text, and a copy button. */
export function SecretReveal({
  secret,
  clientId,
  kind,
}: {
  secret: string;
  clientId: string | null;
  kind: string;
}) {
  const what = kind === 'api_key' ? 'API key' : 'client secret';
  return (
    <section className="secret-reveal" aria-labelledby="secret-title">
      <h3 id="secret-title">Your new {what}</h3>
      <p className="secret-warning" role="note">
        <strong>Copy it now — this is the only time it is shown.</strong> Portcullis keeps only a
        hash; if you lose it, rotate the credential to get a new one. Store it in your secret
        manager, never in source control.
      </p>
      {clientId && (
        <div className="secret-row">
          <span className="secret-label">Client ID</span>
          <code className="secret-value" data-testid="client-id">
            {clientId}
          </code>
          <CopyButton value={clientId} label="Copy client ID" />
        </div>
      )}
      <div className="secret-row">
        <span className="secret-label">{kind === 'api_key' ? 'API key' : 'Client secret'}</span>
        <code className="secret-value" data-testid="secret-value">
          {secret}
        </code>
        <CopyButton value={secret} label={`Copy ${what}`} />
      </div>
    </section>
  );
}
