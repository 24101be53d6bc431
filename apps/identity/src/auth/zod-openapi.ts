import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';

// @nestjs/swagger does not export its SchemaObject type from the package root.
type SchemaObject = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function jsonSchema(schema: z.ZodType): SchemaObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return rest as SchemaObject;
}

/** Documents a request body from the zod schema that validates it. */
export function ApiZodBody(schema: z.ZodType) {
  return ApiBody({ schema: jsonSchema(schema) as never });
}

/** Documents query parameters from a zod object schema. */
export function ApiZodQuery(schema: z.ZodObject) {
  return applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) =>
      ApiQuery({
        name,
        required: !(field as z.ZodType).safeParse(undefined).success,
        schema: jsonSchema(field as z.ZodType) as never,
      }),
    ),
  );
}

/** The error answers every protected management route can give (RFC 9457 problem+json). */
export function ApiProblems(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Validation failed (problem+json with `errors`)',
    401: 'No valid bearer token',
    403: 'Not allowed for this caller',
    404: 'Not found (or not visible to this caller)',
    409: 'Conflicts with the current state',
  };
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: descriptions[status] ?? 'Problem',
        content: { 'application/problem+json': { schema: { type: 'object' } } },
      }),
    ),
  );
}
