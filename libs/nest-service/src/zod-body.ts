import { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { problems } from './problem-details.js';

/** Validates a body or query against a zod schema; failures become a 400 problem with each error. */
export class ZodValidationPipe<Schema extends z.ZodType> implements PipeTransform<
  unknown,
  z.output<Schema>
> {
  constructor(private readonly schema: Schema) {}

  transform(value: unknown): z.output<Schema> {
    const result = this.schema.safeParse(value);
    if (!result.success) {
      throw problems.validation(
        result.error.issues.map((issue) => ({
          path: issue.path.join('.') || '(root)',
          message: issue.message,
        })),
      );
    }
    return result.data;
  }
}
