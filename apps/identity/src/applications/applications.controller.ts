import {
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody, ValidatedQuery } from '../auth/zod-openapi.js';
import {
  createApplicationSchema,
  deleteApplicationQuerySchema,
  listApplicationsQuerySchema,
  patchApplicationSchema,
  type CreateApplicationInput,
  type DeleteApplicationQuery,
  type ListApplicationsQuery,
  type PatchApplicationInput,
} from './application-schemas.js';
import { ApplicationsService } from './applications.service.js';

const uuid = new ParseUUIDPipe();

@ApiTags('applications')
@Controller('v1')
@Protected({ roles: ['developer'] })
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Post('teams/:teamId/applications')
  @ApiOperation({ summary: 'Register an application owned by a team (team members)' })
  @ApiProblems(400, 401, 403, 404, 409)
  create(
    @CurrentUser() user: UserPrincipal,
    @Param('teamId', uuid) teamId: string,
    @ValidatedBody(createApplicationSchema) body: CreateApplicationInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.applications.create(user, teamId, body, meta);
  }

  @Get('applications')
  @ApiOperation({
    summary: "Applications of my teams (admins/security: any team's with teamId), a page at a time",
  })
  @ApiProblems(400, 401, 403)
  list(
    @CurrentUser() user: UserPrincipal,
    @ValidatedQuery(listApplicationsQuerySchema) query: ListApplicationsQuery,
  ) {
    return this.applications.list(user, query);
  }

  @Get('applications/:id')
  @ApiOperation({ summary: 'An application with its subscriptions' })
  @ApiProblems(400, 401, 403, 404)
  get(@CurrentUser() user: UserPrincipal, @Param('id', uuid) id: string) {
    return this.applications.get(user, id);
  }

  @Patch('applications/:id')
  @ApiOperation({ summary: 'Rename or describe an application (team members)' })
  @ApiProblems(400, 401, 403, 404, 409)
  patch(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuid) id: string,
    @ValidatedBody(patchApplicationSchema) body: PatchApplicationInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.applications.patch(user, id, body, meta);
  }

  @Delete('applications/:id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an application (team members)',
    description: 'Refused (409) while subscriptions are live, unless `revokeSubscriptions=true`.',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  async remove(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuid) id: string,
    @ValidatedQuery(deleteApplicationQuerySchema) query: DeleteApplicationQuery,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.applications.remove(user, id, query.revokeSubscriptions, meta);
  }
}
