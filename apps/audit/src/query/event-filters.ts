import { accessDecisionSchema, traceIdSchema } from '@portcullis/contracts';
import { z } from 'zod';
import { STORED_EVENT_TYPES } from '../store/event-row.js';

const id = z.string().min(1).max(256);
const instant = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with offset',
});

/** Filters shared by search, export and (partly) usage. Unknown parameters are refused. */
export const eventFilterShape = {
  from: instant.optional(),
  to: instant.optional(),
  appId: id.optional(),
  teamId: id.optional(),
  apiId: id.optional(),
  clientId: id.optional(),
  decision: accessDecisionSchema.optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  sourceIp: z.string().min(1).max(64).optional(),
  traceId: traceIdSchema.optional(),
  type: z.enum(STORED_EVENT_TYPES).optional(),
};

function fromBeforeTo(value: { from?: string; to?: string }): boolean {
  return !value.from || !value.to || new Date(value.from) <= new Date(value.to);
}
const rangeError = { error: 'from must not be after to', path: ['from'] };

export const searchQuerySchema = z
  .strictObject({
    ...eventFilterShape,
    cursor: z.string().min(1).max(512).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .refine(fromBeforeTo, rangeError);
export type SearchQuery = z.infer<typeof searchQuerySchema>;

export const exportQuerySchema = z
  .strictObject({ ...eventFilterShape, format: z.enum(['ndjson', 'csv']).default('ndjson') })
  .refine(fromBeforeTo, rangeError);
export type ExportQuery = z.infer<typeof exportQuerySchema>;

export type EventFilters = Partial<Omit<SearchQuery, 'cursor' | 'limit'>>;
