import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { z } from 'zod';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { pageArgs, paginationQuerySchema } from '../users/pagination.js';

export const listUsersQuerySchema = paginationQuerySchema.extend({
  q: z.string().trim().max(200).optional(),
  role: z.enum(['developer', 'approver', 'security', 'admin']).optional(),
});
export type ListUsersQuery = z.infer<typeof listUsersQuerySchema>;

export const grantRoleSchema = z
  .strictObject({
    role: z.enum(['approver', 'security', 'admin']),
    apiId: z.uuid().optional(),
  })
  .refine((value) => (value.role === 'approver') === (value.apiId !== undefined), {
    error: 'approver needs apiId (approvers are per API); other roles take none',
    path: ['apiId'],
  });
export type GrantRoleInput = z.infer<typeof grantRoleSchema>;

const userInclude = {
  roleAssignments: {
    include: { api: { select: { slug: true } } },
    orderBy: { createdAt: 'asc' },
  },
  teamMemberships: { include: { team: { select: { id: true, slug: true, name: true } } } },
} satisfies Prisma.UserInclude;

type UserWithRoles = Prisma.UserGetPayload<{ include: typeof userInclude }>;

function view(user: UserWithRoles) {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    status: user.status,
    totpEnabled: user.totpEnabled,
    /** Locked for every device (wrong second factors or current passwords). */
    lockedUntil: user.lockedUntil?.toISOString() ?? null,
    /** Locked for devices it never signed in from (wrong passwords from them). */
    newDevicesLockedUntil: user.newDevicesLockedUntil?.toISOString() ?? null,
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    roles: user.roleAssignments.map((assignment) => ({
      id: assignment.id,
      role: assignment.role,
      apiId: assignment.apiId,
      apiSlug: assignment.api?.slug ?? null,
      grantedById: assignment.grantedById,
      createdAt: assignment.createdAt.toISOString(),
    })),
    teams: user.teamMemberships.map((membership) => ({
      ...membership.team,
      role: membership.role,
    })),
    createdAt: user.createdAt.toISOString(),
  };
}

@Injectable()
export class RolesService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly events: ManagementEvents,
  ) {}

  async list(query: ListUsersQuery) {
    const where: Prisma.UserWhereInput = {
      ...(query.q
        ? {
            OR: [
              { email: { contains: query.q, mode: 'insensitive' } },
              { displayName: { contains: query.q, mode: 'insensitive' } },
            ],
          }
        : {}),
      ...(query.role && query.role !== 'developer'
        ? { roleAssignments: { some: { role: query.role } } }
        : {}),
    };
    const [users, total] = await Promise.all([
      this.prisma.user.findMany({
        where,
        include: userInclude,
        orderBy: { email: 'asc' },
        ...pageArgs(query),
      }),
      this.prisma.user.count({ where }),
    ]);
    return { items: users.map(view), page: query.page, pageSize: query.pageSize, total };
  }

  async get(userId: string) {
    const user = await this.prisma.user.findUnique({
      where: { id: userId },
      include: userInclude,
    });
    if (!user) throw problems.notFound('User');
    return view(user);
  }

  async grant(admin: UserPrincipal, userId: string, input: GrantRoleInput, meta: RequestMeta) {
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw problems.notFound('User');
    if (input.apiId && !(await this.prisma.api.findUnique({ where: { id: input.apiId } }))) {
      throw problems.notFound('API');
    }
    const apiId = input.apiId ?? null;
    const assignment = await this.prisma.$transaction(async (transaction) => {
      // NULL apiIds are distinct to the unique index, so global grants are checked here.
      const existing = await transaction.roleAssignment.findFirst({
        where: { userId, role: input.role, apiId },
      });
      if (existing) throw problems.conflict('The user has this role already.');
      return transaction.roleAssignment.create({
        data: { userId, role: input.role, apiId, grantedById: admin.userId },
      });
    });
    this.events.publish({
      action: 'role.granted',
      outcome: 'success',
      actor: actorOf(admin),
      target: { type: 'user', id: userId },
      apiId,
      ...meta,
      details: { role: input.role, assignmentId: assignment.id },
    });
    return this.get(userId);
  }

  async revoke(admin: UserPrincipal, userId: string, assignmentId: string, meta: RequestMeta) {
    const assignment = await this.prisma.$transaction(async (transaction) => {
      const found = await transaction.roleAssignment.findFirst({
        where: { id: assignmentId, userId },
      });
      if (!found) throw problems.notFound('Role assignment');
      if (found.role === 'developer') {
        throw problems.conflict('Every user is a developer; disable the account instead.');
      }
      if (found.role === 'admin') {
        // Lock the admin grants before counting: otherwise two admins revoking each other at once
        // both count two and both succeed (READ COMMITTED). The second waits, then counts one.
        const admins = await transaction.$queryRaw<{ id: string }[]>`
          SELECT id FROM identity.role_assignments
           WHERE role = 'admin'
           ORDER BY id
             FOR UPDATE`;
        if (!admins.some((grant) => grant.id === found.id)) {
          throw problems.notFound('Role assignment');
        }
        // Only admins who can sign in count: a disabled account's grant administers nothing.
        const othersActive = await transaction.roleAssignment.count({
          where: { role: 'admin', id: { not: found.id }, user: { status: 'active' } },
        });
        if (othersActive === 0) {
          throw problems.conflict('The platform keeps at least one admin.');
        }
      }
      await transaction.roleAssignment.delete({ where: { id: found.id } });
      return found;
    });
    this.events.publish({
      action: 'role.revoked',
      outcome: 'success',
      actor: actorOf(admin),
      target: { type: 'user', id: userId },
      apiId: assignment.apiId,
      ...meta,
      details: { role: assignment.role, assignmentId },
    });
  }
}
