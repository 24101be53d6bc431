import type { Actor } from '@portcullis/contracts';

/** Who changed something through the audit API, as management events name them. */
export type AuditActor = Actor;

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: null, label: 'audit' };
