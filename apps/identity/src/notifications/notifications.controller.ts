import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Protected, type UserPrincipal } from '../auth/index.js';
import { ApiProblems, ValidatedQuery } from '../auth/zod-openapi.js';
import { paginationQuerySchema } from '../users/pagination.js';
import { Notifications } from './notifications.service.js';

const listQuerySchema = paginationQuerySchema.extend({
  unread: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => value === 'true'),
});

@ApiTags('notifications')
@Controller('v1/notifications')
@Protected({ roles: ['developer'] })
export class NotificationsController {
  constructor(private readonly notifications: Notifications) {}

  @Get()
  @ApiOperation({ summary: 'My in-app notifications, newest first' })
  @ApiProblems(400, 401, 403)
  list(
    @CurrentUser() user: UserPrincipal,
    @ValidatedQuery(listQuerySchema) query: z.output<typeof listQuerySchema>,
  ) {
    return this.notifications.list(user.userId, query);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark all my notifications read' })
  @ApiProblems(401, 403)
  async readAll(@CurrentUser() user: UserPrincipal) {
    return { marked: await this.notifications.markAllRead(user.userId) };
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Mark one notification read' })
  @ApiProblems(400, 401, 403, 404)
  async read(
    @CurrentUser() user: UserPrincipal,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<void> {
    await this.notifications.markRead(user.userId, id);
  }
}
