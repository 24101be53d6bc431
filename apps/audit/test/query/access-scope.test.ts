import { ProblemException } from '@portcullis/nest-service';
import { describe, expect, it } from 'vitest';
import { assertMayVerifyIntegrity, searchScope, usageScope } from '../../src/auth/access-scope.js';
import { principalFromMe, type AuditPrincipal } from '../../src/auth/audit-principal.js';

function principal(
  roles: string[],
  approverApiIds: string[] = [],
  teamIds: string[] = [],
): AuditPrincipal {
  return {
    userId: 'u',
    email: 'u@example.com',
    roles,
    approverApiIds,
    teamIds,
    mfaSatisfied: true,
  };
}

function status(run: () => unknown): number | 'ok' {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof ProblemException) return error.problem.status;
    throw error;
  }
}

describe('audit access scopes (principal → server-side filter)', () => {
  it('lets security and admin search everything', () => {
    expect(searchScope(principal(['developer', 'security']))).toEqual({ kind: 'all' });
    expect(searchScope(principal(['admin']), 'any-api')).toEqual({ kind: 'all' });
  });

  it('limits approvers to their APIs and refuses other APIs', () => {
    expect(searchScope(principal(['developer', 'approver'], ['a1', 'a2']))).toEqual({
      kind: 'restricted',
      apiIds: ['a1', 'a2'],
      teamIds: [],
    });
    expect(status(() => searchScope(principal(['developer'], ['a1']), 'a2'))).toBe(403);
  });

  it('refuses search to developers', () => {
    expect(status(() => searchScope(principal(['developer'], [], ['t1'])))).toBe(403);
  });

  it("gives developers usage of their teams' apps, approvers of their APIs", () => {
    expect(usageScope(principal(['developer'], [], ['t1']))).toEqual({
      kind: 'restricted',
      apiIds: [],
      teamIds: ['t1'],
    });
    expect(usageScope(principal(['developer'], ['a1'], ['t1']))).toEqual({
      kind: 'restricted',
      apiIds: ['a1'],
      teamIds: ['t1'],
    });
    expect(usageScope(principal(['security']))).toEqual({ kind: 'all' });
  });

  it('lets only security and admin verify integrity', () => {
    expect(status(() => assertMayVerifyIntegrity(principal(['security'])))).toBe('ok');
    expect(status(() => assertMayVerifyIntegrity(principal(['developer'], ['a1'])))).toBe(403);
  });

  it("reads identity's /v1/me answer with teams or teamIds", () => {
    expect(
      principalFromMe({
        id: 'u1',
        email: 'a@example.com',
        roles: ['developer'],
        teams: [{ id: 't1' }, { id: 't2' }],
        approverApiIds: ['a1'],
        mfa: { satisfied: false },
      }),
    ).toEqual({
      userId: 'u1',
      email: 'a@example.com',
      roles: ['developer'],
      teamIds: ['t1', 't2'],
      approverApiIds: ['a1'],
      mfaSatisfied: false,
    });
    expect(
      principalFromMe({
        id: 'u1',
        email: 'a@example.com',
        roles: [],
        teamIds: ['t9'],
        approverApiIds: [],
      }).teamIds,
    ).toEqual(['t9']);
  });
});
