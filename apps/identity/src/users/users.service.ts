import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import type { RequestMeta } from '../auth/request-meta.js';
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
  ) {}

  /** A new user is a developer with a personal team, so their apps have an owner from day one. */
  async signUp(input: SignUpInput, meta: RequestMeta) {
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
      details: { email: created.user.email },
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
