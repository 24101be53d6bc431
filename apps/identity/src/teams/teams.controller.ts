import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody, ValidatedQuery } from '../auth/zod-openapi.js';
import { paginationQuerySchema, type PaginationQuery } from '../users/pagination.js';
import {
  addMemberSchema,
  createTeamSchema,
  type AddMemberInput,
  type CreateTeamInput,
} from './team-schemas.js';
import { TeamsService } from './teams.service.js';

@ApiTags('teams')
@Controller('v1/teams')
@Protected({ roles: ['developer'] })
export class TeamsController {
  constructor(private readonly teams: TeamsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a team; the caller becomes its owner' })
  @ApiProblems(400, 401, 403, 409)
  create(
    @CurrentUser() user: UserPrincipal,
    @ValidatedBody(createTeamSchema) body: CreateTeamInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.teams.create(user, body, meta);
  }

  @Get()
  @ApiOperation({ summary: 'My teams (admins and security: every team), a page at a time' })
  @ApiProblems(400, 401, 403)
  list(
    @CurrentUser() user: UserPrincipal,
    @ValidatedQuery(paginationQuerySchema) query: PaginationQuery,
  ) {
    return this.teams.list(user, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A team with its members, applications and APIs' })
  @ApiProblems(400, 401, 403, 404)
  get(@CurrentUser() user: UserPrincipal, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.teams.get(user, id);
  }

  @Post(':id/members')
  @ApiOperation({
    summary: 'Add a registered user to the team (owners)',
    description:
      '404 when no account has the e-mail address. Each person gets TEAM_MEMBER_LOOKUP_MAX_MISSES such answers per TEAM_MEMBER_LOOKUP_WINDOW_SECONDS; past that, every add answers 429 with Retry-After until the window ends.',
  })
  @ApiProblems(400, 401, 403, 404, 409, 429)
  addMember(
    @CurrentUser() user: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidatedBody(addMemberSchema) body: AddMemberInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.teams.addMember(user, id, body, meta);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member (owners), or leave the team (yourself)' })
  @ApiProblems(400, 401, 403, 404, 409)
  async removeMember(
    @CurrentUser() user: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.teams.removeMember(user, id, userId, meta);
  }
}
