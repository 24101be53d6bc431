import { Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CurrentPrincipal,
  CurrentUser,
  Protected,
  type Principal,
  type UserPrincipal,
} from '../auth/index.js';
import { CurrentRequestMeta, type RequestMeta } from '../auth/request-meta.js';
import { ApiProblems, ValidatedBody, ValidatedQuery } from '../auth/zod-openapi.js';
import {
  createApiSchema,
  patchApiSchema,
  type CreateApiInput,
  type PatchApiInput,
} from './api-definition.js';
import { CatalogService, listApisQuerySchema, type ListApisQuery } from './catalog.service.js';

@ApiTags('catalog')
@Controller('v1/apis')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @Protected({ roles: ['developer'], services: ['portal'] })
  @ApiOperation({
    summary: 'Browse and search the API catalog (`q` matches name, slug, description)',
  })
  @ApiProblems(400, 401, 403)
  list(@ValidatedQuery(listApisQuerySchema) query: ListApisQuery) {
    return this.catalog.list(query);
  }

  @Get(':slug')
  @Protected({ roles: ['developer'], services: ['portal'] })
  @ApiOperation({
    summary: 'One API: scopes, routes, plans, approval modes, OpenAPI document',
    description:
      'Upstream URL and gateway settings are shown to admins, security and the owning team.',
  })
  @ApiProblems(401, 403, 404)
  get(@CurrentPrincipal() principal: Principal, @Param('slug') slug: string) {
    return this.catalog.get(principal, slug);
  }

  @Post()
  @Protected({ roles: ['admin'] })
  @ApiOperation({ summary: 'Publish an API (admins)' })
  @ApiProblems(400, 401, 403, 409)
  create(
    @CurrentUser() user: UserPrincipal,
    @ValidatedBody(createApiSchema) body: CreateApiInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.catalog.create(user, body, meta);
  }

  @Patch(':slug')
  @Protected({ roles: ['developer'] })
  @ApiOperation({
    summary: 'Change an API (admins, owning team)',
    description:
      'Any subset of fields. `scopes`, `routes` and `plans` replace the current lists (a plan with subscriptions cannot be removed). Send `version` to refuse lost updates. The version bumps on every change.',
  })
  @ApiProblems(400, 401, 403, 404, 409)
  patch(
    @CurrentUser() user: UserPrincipal,
    @Param('slug') slug: string,
    @ValidatedBody(patchApiSchema) body: PatchApiInput,
    @CurrentRequestMeta() meta: RequestMeta,
  ) {
    return this.catalog.patch(user, slug, body, meta);
  }

  @Delete(':slug')
  @HttpCode(204)
  @Protected({ roles: ['admin'] })
  @ApiOperation({ summary: 'Remove an API without subscriptions (admins)' })
  @ApiProblems(401, 403, 404, 409)
  async remove(
    @CurrentUser() user: UserPrincipal,
    @Param('slug') slug: string,
    @CurrentRequestMeta() meta: RequestMeta,
  ): Promise<void> {
    await this.catalog.remove(user, slug, meta);
  }

  @Get(':slug/consumers')
  @Protected({ roles: ['approver', 'admin', 'security'] })
  @ApiOperation({
    summary: 'Applications subscribed to this API, with team and contact e-mail (its approvers)',
  })
  @ApiProblems(401, 403, 404)
  consumers(@CurrentUser() user: UserPrincipal, @Param('slug') slug: string) {
    return this.catalog.consumers(user, slug);
  }
}
