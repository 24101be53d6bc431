import { Inject, Injectable } from '@nestjs/common';
import type { Prisma, PrismaClient } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { pageArgs, type Page, type PaginationQuery } from '../users/pagination.js';

type Writer = Pick<PrismaClient, 'notification'> | Prisma.TransactionClient;

export interface NotificationView {
  id: string;
  kind: string;
  payload: unknown;
  readAt: string | null;
  createdAt: string;
}

/** In-app messages: written in the transaction of the change they report, read by the portal. */
@Injectable()
export class Notifications {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async notify(
    writer: Writer,
    userIds: Iterable<string | null | undefined>,
    kind: string,
    payload: Prisma.InputJsonObject,
  ): Promise<void> {
    const recipients = [...new Set([...userIds].filter((id): id is string => !!id))];
    if (recipients.length === 0) return;
    await writer.notification.createMany({
      data: recipients.map((userId) => ({ userId, kind, payload })),
    });
  }

  async list(
    userId: string,
    query: PaginationQuery & { unread?: boolean },
  ): Promise<Page<NotificationView> & { unread: number }> {
    const where: Prisma.NotificationWhereInput = {
      userId,
      ...(query.unread ? { readAt: null } : {}),
    };
    const [rows, total, unread] = await Promise.all([
      this.prisma.notification.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        ...pageArgs(query),
      }),
      this.prisma.notification.count({ where }),
      this.prisma.notification.count({ where: { userId, readAt: null } }),
    ]);
    return {
      items: rows.map((row) => ({
        id: row.id,
        kind: row.kind,
        payload: row.payload,
        readAt: row.readAt?.toISOString() ?? null,
        createdAt: row.createdAt.toISOString(),
      })),
      page: query.page,
      pageSize: query.pageSize,
      total,
      unread,
    };
  }

  async markRead(userId: string, id: string): Promise<void> {
    // Scoped to the owner: someone else's notification id is simply not found.
    const result = await this.prisma.notification.updateMany({
      where: { id, userId },
      data: { readAt: new Date() },
    });
    if (result.count === 0) throw problems.notFound('Notification');
  }

  async markAllRead(userId: string): Promise<number> {
    const result = await this.prisma.notification.updateMany({
      where: { userId, readAt: null },
      data: { readAt: new Date() },
    });
    return result.count;
  }
}
