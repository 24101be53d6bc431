import type { DestinationStream } from 'pino';

/** A pino destination that keeps every line, parsed, for assertions. */
export function captureLines(): {
  destination: DestinationStream;
  lines: Record<string, unknown>[];
  raw: string[];
} {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  return {
    lines,
    raw,
    destination: {
      write(chunk: string) {
        for (const line of chunk.split('\n')) {
          if (line === '') continue;
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
      },
    },
  };
}
