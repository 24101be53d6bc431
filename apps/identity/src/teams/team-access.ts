import { Inject, Injectable } from '@nestjs/common';
import type { PrismaClient, Team, TeamRole } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import type { UserPrincipal } from '../auth/index.js';

export interface TeamAccessResult {
  team: Team;
  /** The caller's role in the team, or null for admins (and security) who are not members. */
  role: TeamRole | null;
}

/**
 * Team-level checks shared by teams, applications and webhooks. A team the caller cannot see is
 * a 404 (its existence is not revealed); a team they see but may not change is a 403.
 */
@Injectable()
export class TeamAccess {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async roleIn(userId: string, teamId: string): Promise<TeamRole | null> {
    const membership = await this.prisma.teamMember.findUnique({
      where: { teamId_userId: { teamId, userId } },
      select: { role: true },
    });
    return membership?.role ?? null;
  }

  /** Members see a team; admins and security see every team. */
  async requireVisible(user: UserPrincipal, teamId: string): Promise<TeamAccessResult> {
    const team = await this.prisma.team.findUnique({ where: { id: teamId } });
    if (!team) throw problems.notFound('Team');
    const role = await this.roleIn(user.userId, teamId);
    if (role === null && !user.roles.includes('admin') && !user.roles.includes('security')) {
      throw problems.notFound('Team');
    }
    return { team, role };
  }

  /** Members act for the team (create apps, request access); admins may too. */
  async requireMember(user: UserPrincipal, teamId: string): Promise<TeamAccessResult> {
    const access = await this.requireVisible(user, teamId);
    if (access.role === null && !user.roles.includes('admin')) {
      throw problems.forbidden('Only members of this team may do this.');
    }
    return access;
  }

  /** Owners manage membership and webhooks; admins may too. */
  async requireOwner(user: UserPrincipal, teamId: string): Promise<TeamAccessResult> {
    const access = await this.requireVisible(user, teamId);
    if (access.role !== 'owner' && !user.roles.includes('admin')) {
      throw problems.forbidden('Only owners of this team may do this.');
    }
    return access;
  }
}
