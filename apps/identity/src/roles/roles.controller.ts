import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody, ValidatedQuery } from '../auth/zod-openapi.js';
import {
  grantRoleSchema,
  listUsersQuerySchema,
  RolesService,
  type GrantRoleInput,
  type ListUsersQuery,
} from './roles.service.js';

@ApiTags('users')
@Controller('v1/users')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @Protected({ roles: ['admin', 'security'] })
  @ApiOperation({ summary: 'Search users (admins, security)' })
  @ApiProblems(400, 401, 403)
  list(@ValidatedQuery(listUsersQuerySchema) query: ListUsersQuery) {
    return this.roles.list(query);
  }

  @Get(':id')
  @Protected({ roles: ['admin', 'security'] })
  @ApiOperation({ summary: 'One user with roles and teams (admins, security)' })
  @ApiProblems(400, 401, 403, 404)
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.roles.get(id);
  }

  @Post(':id/roles')
  @Protected({ roles: ['admin'] })
  @ApiOperation({
    summary: 'Grant a role (admins)',
    description: '`approver` is granted per API (`apiId` required); security and admin are global.',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  grant(
    @CurrentUser() admin: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidatedBody(grantRoleSchema) body: GrantRoleInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.roles.grant(admin, id, body, meta);
  }

  @Delete(':id/roles/:assignmentId')
  @HttpCode(204)
  @Protected({ roles: ['admin'] })
  @ApiOperation({ summary: 'Revoke a role assignment (admins; the last admin stays)' })
  @ApiProblems(400, 401, 403, 404, 409)
  async revoke(
    @CurrentUser() admin: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('assignmentId', new ParseUUIDPipe()) assignmentId: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.roles.revoke(admin, id, assignmentId, meta);
  }
}
