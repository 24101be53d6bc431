const DAY_MS = 24 * 60 * 60 * 1000;
const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of an instant, `YYYY-MM-DD`: names a daily partition and its hash chain. */
export function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** Midnight UTC starting the day. */
export function dayStart(day: string): Date {
  if (!DAY_PATTERN.test(day)) throw new Error(`not a day: ${day}`);
  return new Date(`${day}T00:00:00.000Z`);
}

export function addDays(day: string, days: number): string {
  return utcDay(new Date(dayStart(day).getTime() + days * DAY_MS));
}

/** Every day from `first` to `last`, both included. */
export function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}

export function partitionName(day: string): string {
  return `audit_events_p${day.replaceAll('-', '')}`;
}

/** The day a daily partition holds, or null for other tables (the default partition). */
export function dayOfPartition(name: string): string | null {
  const match = /^audit_events_p(\d{4})(\d{2})(\d{2})$/.exec(name);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
}
