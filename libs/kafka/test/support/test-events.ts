import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const testEvent = z.object({
  id: z.uuid(),
  type: z.literal('test.event'),
  seq: z.number().int().nonnegative(),
  appId: z.string().startsWith('app-'),
});
export type TestEvent = z.infer<typeof testEvent>;

/** Events numbered from `from`, spread round-robin over `apps` keys. */
export function events(count: number, apps = 4, from = 0): TestEvent[] {
  return Array.from({ length: count }, (_, index) => ({
    id: randomUUID(),
    type: 'test.event' as const,
    seq: from + index,
    appId: `app-${(from + index) % apps}`,
  }));
}

/** Per key, the order of the events: Kafka keeps it within a key, not across keys. */
export function seqsByApp(values: readonly unknown[]): Map<string, number[]> {
  const byApp = new Map<string, number[]>();
  for (const value of values) {
    const event = testEvent.parse(value);
    byApp.set(event.appId, [...(byApp.get(event.appId) ?? []), event.seq]);
  }
  return byApp;
}
