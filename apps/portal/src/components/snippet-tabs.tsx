'use client';

import { useId, useRef, useState, type KeyboardEvent } from 'react';
import type { Snippet } from '../lib/snippets';
import { CopyButton } from './copy-button';

/** WAI-ARIA tabs: arrow keys move between languages, the panel holds the code as plain text. */
export function SnippetTabs({ snippets }: { snippets: Snippet[] }) {
  const [active, setActive] = useState(0);
  const base = useId();
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);

  function onKeyDown(event: KeyboardEvent<HTMLButtonElement>) {
    const last = snippets.length - 1;
    const next =
      event.key === 'ArrowRight'
        ? active === last
          ? 0
          : active + 1
        : event.key === 'ArrowLeft'
          ? active === 0
            ? last
            : active - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : null;
    if (next === null) return;
    event.preventDefault();
    setActive(next);
    tabs.current[next]?.focus();
  }

  const snippet = snippets[active];
  return (
    <div className="snippet-tabs">
      <div role="tablist" aria-label="Language" className="tabs-list">
        {snippets.map((entry, index) => (
          <button
            key={entry.language}
            ref={(element) => {
              tabs.current[index] = element;
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${entry.language}`}
            aria-selected={index === active}
            aria-controls={`${base}-panel`}
            tabIndex={index === active ? 0 : -1}
            className="tab"
            onClick={() => setActive(index)}
            onKeyDown={onKeyDown}
          >
            {entry.label}
          </button>
        ))}
      </div>
      {snippet && (
        <div
          role="tabpanel"
          id={`${base}-panel`}
          aria-labelledby={`${base}-tab-${snippet.language}`}
          className="code-block"
        >
          <div className="code-block-bar">
            <span className="code-block-label">{snippet.label}</span>
            <CopyButton value={snippet.code} label={`Copy ${snippet.label} example`} />
          </div>
          <pre tabIndex={0}>
            <code>{snippet.code}</code>
          </pre>
        </div>
      )}
    </div>
  );
}
