import { parseDocument } from 'yaml';
import { z } from 'zod';
import { slugSchema } from '../teams/team-schemas.js';
import { fileApiSchema } from './api-definition.js';

/**
 * Catalog as code: teams and APIs in one YAML file, applied idempotently by slug. Nothing absent
 * from the file is deleted (APIs, plans) unless `prune: true`; an API's scopes and routes are its
 * definition and always match the file.
 */
export const catalogFileSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    prune: z.boolean().default(false),
    teams: z
      .array(
        z.strictObject({
          slug: slugSchema,
          name: z.string().trim().min(1).max(100),
          description: z.string().max(2000).nullable().default(null),
          /**
           * Take over a team of this slug that the catalog did not create (the applier refuses
           * that by default: anyone may register a slug before the file lists it).
           */
          adopt: z.boolean().default(false),
        }),
      )
      .default([]),
    apis: z.array(fileApiSchema).default([]),
  })
  .superRefine((file, context) => {
    const seen = new Map<string, string>();
    file.apis.forEach((api, index) => {
      for (const [kind, value] of [
        ['slug', api.slug],
        ['basePath', api.basePath],
      ] as const) {
        const key = `${kind}:${value}`;
        if (seen.has(key)) {
          context.addIssue({
            code: 'custom',
            message: `${kind} "${value}" is used twice`,
            path: ['apis', index, kind],
          });
        }
        seen.set(key, api.slug);
      }
    });
  });
export type CatalogFile = z.output<typeof catalogFileSchema>;

export interface CatalogIssue {
  path: string;
  message: string;
}

/** An invalid catalog file; each issue names the field, e.g. `apis[0].routes[1].method`. */
export class CatalogFileError extends Error {
  constructor(
    message: string,
    readonly issues: CatalogIssue[],
  ) {
    super(
      `${message}\n${issues.map((issue) => `  - ${issue.path || '(file)'}: ${issue.message}`).join('\n')}`,
    );
    this.name = 'CatalogFileError';
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('');
}

export function parseCatalogYaml(text: string): CatalogFile {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new CatalogFileError(
      'The catalog file is not valid YAML:',
      document.errors.map((error) => ({
        path: error.linePos ? `line ${error.linePos[0].line}` : '',
        message: error.message.split('\n')[0] ?? error.message,
      })),
    );
  }
  const result = catalogFileSchema.safeParse(document.toJS() ?? {});
  if (!result.success) {
    throw new CatalogFileError(
      'The catalog file is invalid:',
      result.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: issue.message,
      })),
    );
  }
  return result.data;
}
