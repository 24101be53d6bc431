import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import type { RequestMeta } from '../auth/request-meta.js';
import { InvitationsService } from '../invitations/invitations.service.js';
import { SignUpPolicy } from '../invitations/sign-up-policy.js';
import { isUniqueViolation, TeamsService } from '../teams/teams.service.js';
import { PasswordHasher } from './password-hasher.js';
import type { SignUpInput } from './user-schemas.js';

@Injectable()
export class UsersService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly hasher: PasswordHasher,
    private readonly teams: TeamsService,
    private readonly events: ManagementEvents,
    private readonly policy: SignUpPolicy,
    private readonly invitations: InvitationsService,
  ) {}

  /**
   * A new user is a developer with a personal team, so their apps have an owner from day one.
   * The policy and the invitation are checked before the address is looked up (a refusal says
   * nothing about existing accounts) and before the password is hashed.
   */
  async signUp(input: SignUpInput, meta: RequestMeta) {
    const invitation =
      input.invitationCode === undefined
        ? null
        : await this.invitations.findRedeemable(input.invitationCode, input.email);
    if (!invitation) this.policy.assertOpenTo(input.email);
    const passwordHash = await this.hasher.hash(input.password);
    let created;
    try {
      created = await this.prisma.$transaction(async (transaction) => {
        const user = await transaction.user.create({
          data: {
            email: input.email,
            passwordHash,
            displayName: input.displayName,
            roleAssignments: { create: { role: 'developer' } },
          },
        });
        if (invitation) await this.invitations.redeem(transaction, invitation, user.id);
        const team = await this.teams.createTeam(transaction, user.id, {
          name: `${input.displayName}'s team`,
        });
        return { user, team };
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw problems.conflict('An account with this e-mail address exists already.');
      }
      throw error;
    }
    const actor = { type: 'user' as const, id: created.user.id, label: created.user.email };
    this.events.publish({
      action: 'user.signed_up',
      outcome: 'success',
      actor,
      target: { type: 'user', id: created.user.id },
      teamId: created.team.id,
      ...meta,
      details: { email: created.user.email, invitationId: invitation?.id ?? null },
    });
    this.events.publish({
      action: 'team.created',
      outcome: 'success',
      actor,
      target: { type: 'team', id: created.team.id },
      teamId: created.team.id,
      ...meta,
      details: { slug: created.team.slug, personal: true },
    });
    return {
      id: created.user.id,
      email: created.user.email,
      displayName: created.user.displayName,
      roles: ['developer'],
      personalTeam: { id: created.team.id, slug: created.team.slug, name: created.team.name },
      createdAt: created.user.createdAt.toISOString(),
    };
  }

  async me(principal: UserPrincipal) {
    const user = await this.prisma.user.findUniqueOrThrow({
      where: { id: principal.userId },
      include: {
        roleAssignments: {
          include: { api: { select: { slug: true, name: true } } },
          orderBy: { createdAt: 'asc' },
        },
        teamMemberships: {
          include: { team: { select: { id: true, slug: true, name: true } } },
          orderBy: { createdAt: 'asc' },
        },
        _count: { select: { mfaRecoveryCodes: { where: { usedAt: null } } } },
      },
    });
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      roles: principal.roles,
      roleAssignments: user.roleAssignments.map((assignment) => ({
        id: assignment.id,
        role: assignment.role,
        apiId: assignment.apiId,
        apiSlug: assignment.api?.slug ?? null,
      })),
      approverApiIds: principal.approverApiIds,
      teams: user.teamMemberships.map((membership) => ({
        ...membership.team,
        role: membership.role,
      })),
      mfa: {
        totpEnabled: user.totpEnabled,
        satisfied: principal.mfaSatisfied,
        recoveryCodesRemaining: user._count.mfaRecoveryCodes,
      },
      passwordChangedAt: user.passwordChangedAt?.toISOString() ?? null,
      lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
