import { z } from 'zod';

/** `?page=1&pageSize=20` on every list route; pages start at 1. */
export const paginationQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
export type PaginationQuery = z.infer<typeof paginationQuerySchema>;

export interface Page<Item> {
  items: Item[];
  page: number;
  pageSize: number;
  total: number;
}

export function pageArgs(query: PaginationQuery): { skip: number; take: number } {
  return { skip: (query.page - 1) * query.pageSize, take: query.pageSize };
}
