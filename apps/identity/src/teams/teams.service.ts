import { Inject, Injectable } from '@nestjs/common';
import { randomBase62 } from '@portcullis/crypto';
import { Prisma, type PrismaClient, type Team } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ManagementEvents } from '../audit-trail/management-events.js';
import type { UserPrincipal } from '../auth/index.js';
import { actorOf, type RequestMeta } from '../auth/request-meta.js';
import { MemberLookupLimit } from '../failure-limits/member-lookup-limit.js';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import { pageArgs, type PaginationQuery } from '../users/pagination.js';
import { TeamAccess } from './team-access.js';
import { slugify, type AddMemberInput, type CreateTeamInput } from './team-schemas.js';

@Injectable()
export class TeamsService {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly access: TeamAccess,
    private readonly events: ManagementEvents,
    private readonly webhooks: WebhookDispatcher,
    private readonly lookups: MemberLookupLimit,
  ) {}

  /** Creates a team with `ownerId` as its owner; a taken generated slug gets a random suffix. */
  async createTeam(
    client: Prisma.TransactionClient | PrismaClient,
    ownerId: string,
    input: CreateTeamInput,
  ): Promise<Team> {
    let slug = input.slug ?? slugify(input.name);
    if (!input.slug && (await client.team.findUnique({ where: { slug } }))) {
      slug = `${slug}-${randomBase62(6).toLowerCase()}`;
    }
    try {
      return await client.team.create({
        data: {
          slug,
          name: input.name,
          description: input.description ?? null,
          members: { create: { userId: ownerId, role: 'owner' } },
        },
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw problems.conflict(`The team slug "${slug}" is taken.`);
      throw error;
    }
  }

  async create(user: UserPrincipal, input: CreateTeamInput, meta: RequestMeta) {
    const team = await this.createTeam(this.prisma, user.userId, input);
    this.events.publish({
      action: 'team.created',
      outcome: 'success',
      actor: actorOf(user),
      target: { type: 'team', id: team.id },
      teamId: team.id,
      ...meta,
      details: { slug: team.slug, name: team.name },
    });
    return this.get(user, team.id);
  }

  async list(user: UserPrincipal, query: PaginationQuery) {
    const seeAll = user.roles.includes('admin') || user.roles.includes('security');
    const where: Prisma.TeamWhereInput = seeAll
      ? {}
      : { members: { some: { userId: user.userId } } };
    const [teams, total] = await Promise.all([
      this.prisma.team.findMany({
        where,
        // The id breaks ties, so pages do not overlap or skip.
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
        include: {
          members: { where: { userId: user.userId }, select: { role: true } },
          _count: { select: { members: true, applications: true } },
        },
        ...pageArgs(query),
      }),
      this.prisma.team.count({ where }),
    ]);
    return {
      page: query.page,
      pageSize: query.pageSize,
      total,
      items: teams.map((team) => ({
        id: team.id,
        slug: team.slug,
        name: team.name,
        description: team.description,
        myRole: team.members[0]?.role ?? null,
        memberCount: team._count.members,
        applicationCount: team._count.applications,
        createdAt: team.createdAt.toISOString(),
      })),
    };
  }

  async get(user: UserPrincipal, teamId: string) {
    const { role } = await this.access.requireVisible(user, teamId);
    const team = await this.prisma.team.findUniqueOrThrow({
      where: { id: teamId },
      include: {
        members: {
          include: { user: { select: { id: true, email: true, displayName: true } } },
          orderBy: { createdAt: 'asc' },
        },
        applications: { select: { id: true, name: true }, orderBy: { name: 'asc' } },
        ownedApis: { select: { id: true, slug: true, name: true }, orderBy: { name: 'asc' } },
      },
    });
    return {
      id: team.id,
      slug: team.slug,
      name: team.name,
      description: team.description,
      myRole: role,
      members: team.members.map((member) => ({
        userId: member.userId,
        email: member.user.email,
        displayName: member.user.displayName,
        role: member.role,
        since: member.createdAt.toISOString(),
      })),
      applications: team.applications,
      ownedApis: team.ownedApis,
      createdAt: team.createdAt.toISOString(),
    };
  }

  async addMember(user: UserPrincipal, teamId: string, input: AddMemberInput, meta: RequestMeta) {
    await this.access.requireOwner(user, teamId);
    await this.lookups.check(user.userId);
    const member = await this.prisma.user.findUnique({
      where: { email: input.email.toLowerCase() },
      select: { id: true, email: true },
    });
    if (!member) {
      await this.lookups.recordMiss(user.userId);
      throw problems.notFound('User');
    }
    try {
      await this.prisma.teamMember.create({
        data: { teamId, userId: member.id, role: input.role },
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw problems.conflict('This user is already a member.');
      throw error;
    }
    const details = { userId: member.id, email: member.email, role: input.role };
    this.events.publish({
      action: 'team.member_added',
      outcome: 'success',
      actor: actorOf(user),
      target: { type: 'user', id: member.id },
      teamId,
      ...meta,
      details,
    });
    this.webhooks.dispatch([teamId], 'team.member_added', { teamId, ...details });
    return this.get(user, teamId);
  }

  async removeMember(user: UserPrincipal, teamId: string, userId: string, meta: RequestMeta) {
    // Anyone may leave a team; removing someone else takes an owner.
    if (userId === user.userId) await this.access.requireVisible(user, teamId);
    else await this.access.requireOwner(user, teamId);
    await this.prisma.$transaction(async (transaction) => {
      const membership = await transaction.teamMember.findUnique({
        where: { teamId_userId: { teamId, userId } },
      });
      if (!membership) throw problems.notFound('Team member');
      if (membership.role === 'owner') {
        // Lock the owner rows before counting: otherwise two owners leaving at once both count
        // two and both go (READ COMMITTED). The second waits here, then sees the first gone.
        const owners = await transaction.$queryRaw<{ id: string }[]>`
          SELECT id FROM identity.team_members
           WHERE team_id = ${teamId}::uuid AND role = 'owner'
           ORDER BY id
             FOR UPDATE`;
        if (!owners.some((owner) => owner.id === membership.id)) {
          throw problems.notFound('Team member');
        }
        if (owners.length <= 1) {
          throw problems.conflict('A team keeps at least one owner.');
        }
      }
      await transaction.teamMember.delete({ where: { id: membership.id } });
    });
    this.events.publish({
      action: 'team.member_removed',
      outcome: 'success',
      actor: actorOf(user),
      target: { type: 'user', id: userId },
      teamId,
      ...meta,
      details: { userId },
    });
    this.webhooks.dispatch([teamId], 'team.member_removed', { teamId, userId });
  }
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
