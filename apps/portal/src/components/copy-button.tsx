'use client';

import { useState } from 'react';

/** Copies a value to the clipboard and says so in a live region. */
export function CopyButton({ value, label = 'Copy' }: { value: string; label?: string }) {
  const [copied, setCopied] = useState<'idle' | 'done' | 'failed'>('idle');
  return (
    <>
      <button
        type="button"
        className="button button-secondary button-small"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
            setCopied('done');
          } catch {
            setCopied('failed');
          }
        }}
      >
        {label}
      </button>
      <span role="status" className="copy-status">
        {copied === 'done'
          ? 'Copied'
          : copied === 'failed'
            ? 'Select the text and copy it by hand'
            : ''}
      </span>
    </>
  );
}
