import { ProblemException } from '@portcullis/nest-service';
import { describe, expect, it } from 'vitest';
import type { AuditPrincipal } from '../../src/auth/audit-principal.js';
import { changerFor } from '../../src/alerts/alert-store.js';
import { requireSecurityRole } from '../../src/siem/require-security-role.js';

function principal(roles: string[]): AuditPrincipal {
  return {
    userId: '0192f000-0000-7000-8000-000000000001',
    email: 'sec@example.com',
    roles,
    teamIds: [],
    approverApiIds: ['api-1'],
    mfaSatisfied: true,
  };
}

describe('who may manage sinks and alerts', () => {
  it('lets security and admin in, as themselves', () => {
    expect(requireSecurityRole(principal(['developer', 'security']))).toEqual({
      type: 'user',
      id: '0192f000-0000-7000-8000-000000000001',
      label: 'sec@example.com',
    });
    expect(requireSecurityRole(principal(['admin'])).type).toBe('user');
  });

  it('refuses developers and approvers with 403', () => {
    for (const roles of [['developer'], ['developer', 'approver']]) {
      let status: number | undefined;
      try {
        requireSecurityRole(principal(roles));
      } catch (error) {
        status = error instanceof ProblemException ? error.problem.status : undefined;
      }
      expect(status).toBe(403);
    }
  });

  it('keeps a non-UUID user id out of the uuid column but in the event label', () => {
    expect(changerFor('0192f000-0000-7000-8000-000000000001')).toEqual({
      userId: '0192f000-0000-7000-8000-000000000001',
      label: '0192f000-0000-7000-8000-000000000001',
    });
    expect(changerFor('user-42')).toEqual({ userId: null, label: 'user-42' });
  });
});
