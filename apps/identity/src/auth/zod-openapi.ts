import { applyDecorators, Body, Query } from '@nestjs/common';
import { ApiBody, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { ZodValidationPipe } from '@portcullis/nest-service';
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

/** The request body, validated by `schema` and documented in OpenAPI from the same schema. */
export function ValidatedBody(schema: z.ZodType): ParameterDecorator {
  return (target, key, index) => {
    Body(new ZodValidationPipe(schema))(target, key, index);
    documentMethod(ApiZodBody(schema), target, key);
  };
}

/** The query parameters, validated by `schema` and documented in OpenAPI from the same schema. */
export function ValidatedQuery(schema: z.ZodObject): ParameterDecorator {
  return (target, key, index) => {
    Query(new ZodValidationPipe(schema))(target, key, index);
    documentMethod(ApiZodQuery(schema), target, key);
  };
}

function documentMethod(
  decorator: MethodDecorator,
  target: object,
  key: string | symbol | undefined,
): void {
  // Parameter decorators of a method see its prototype and name; constructors have no key.
  if (key === undefined) return;
  decorator(target, key, Object.getOwnPropertyDescriptor(target, key)!);
}

/** The error answers every protected management route can give (RFC 9457 problem+json). */
export function ApiProblems(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Validation failed (problem+json with `errors`)',
    401: 'No valid bearer token',
    403: 'Not allowed for this caller',
    404: 'Not found (or not visible to this caller)',
    409: 'Conflicts with the current state',
    429: 'Too many attempts (problem+json; `Retry-After` says when to try again)',
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
