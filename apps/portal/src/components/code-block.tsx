import { CopyButton } from './copy-button';

/** Code shown as text (never as HTML), with a copy button. */
export function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <div className="code-block">
      <div className="code-block-bar">
        <span className="code-block-label">{label}</span>
        <CopyButton value={code} label={`Copy ${label}`} />
      </div>
      <pre tabIndex={0} aria-label={`${label} example`}>
        <code>{code}</code>
      </pre>
    </div>
  );
}
