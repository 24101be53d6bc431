/**
 * Reads an OpenAPI 3.x document (JSON, as stored in the catalog) into plain lists a page can
 * render as text. Never trusts the document: every field is checked, unknown shapes are skipped.
 */
export interface OpenApiParameter {
  name: string;
  in: string;
  required: boolean;
  description: string | null;
  type: string;
}

export interface OpenApiOperation {
  method: string;
  path: string;
  operationId: string | null;
  summary: string | null;
  description: string | null;
  tags: string[];
  parameters: OpenApiParameter[];
  requestBody: { type: string; required: boolean } | null;
  responses: { status: string; description: string | null; type: string | null }[];
  security: string[];
}

export interface OpenApiSchemaSummary {
  name: string;
  type: string;
  description: string | null;
  properties: { name: string; type: string; required: boolean; description: string | null }[];
}

export interface OpenApiSummary {
  title: string | null;
  version: string | null;
  description: string | null;
  operations: OpenApiOperation[];
  schemas: OpenApiSchemaSummary[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const MAX_OPERATIONS = 500;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value : null;
}

/** `#/components/schemas/Order` → `Order`. */
function refName(ref: unknown): string | null {
  if (typeof ref !== 'string') return null;
  const last = ref.split('/').at(-1);
  return last ? decodeURIComponent(last.replace(/~1/g, '/').replace(/~0/g, '~')) : null;
}

/** A schema as a short type expression: `string (uuid)`, `array of Order`, `Order | null`. */
export function schemaType(schema: unknown, depth = 0): string {
  if (!isObject(schema) || depth > 4) return 'any';
  const ref = refName(schema.$ref);
  if (ref) return ref;
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const parts = schema[key];
    if (Array.isArray(parts) && parts.length > 0) {
      return parts.map((part) => schemaType(part, depth + 1)).join(key === 'allOf' ? ' & ' : ' | ');
    }
  }
  if (Array.isArray(schema.enum)) {
    return schema.enum
      .slice(0, 8)
      .map((value) => JSON.stringify(value))
      .join(' | ');
  }
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : str(schema.type);
  if (type === 'array') return `array of ${schemaType(schema.items, depth + 1)}`;
  const format = str(schema.format);
  if (type) return format ? `${type} (${format})` : type;
  if (isObject(schema.properties)) return 'object';
  return 'any';
}

function contentType(content: unknown): string | null {
  if (!isObject(content)) return null;
  const media = content['application/json'] ?? Object.values(content)[0];
  return isObject(media) && media.schema !== undefined ? schemaType(media.schema) : null;
}

function parameters(list: unknown, components: Json): OpenApiParameter[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((entry): OpenApiParameter[] => {
    const param =
      isObject(entry) && entry.$ref
        ? resolveComponent(components, 'parameters', entry.$ref)
        : entry;
    if (!isObject(param) || !str(param.name) || !str(param.in)) return [];
    return [
      {
        name: param.name as string,
        in: param.in as string,
        required: param.required === true || param.in === 'path',
        description: str(param.description),
        type: schemaType(param.schema),
      },
    ];
  });
}

function resolveComponent(components: Json, kind: string, ref: unknown): unknown {
  const name = refName(ref);
  const group = components[kind];
  return name && isObject(group) ? group[name] : undefined;
}

export function summarizeOpenApi(document: unknown): OpenApiSummary | null {
  if (!isObject(document) || !isObject(document.paths)) return null;
  const info = isObject(document.info) ? document.info : {};
  const components = isObject(document.components) ? document.components : {};
  const operations: OpenApiOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isObject(item)) continue;
    const shared = parameters(item.parameters, components);
    for (const method of METHODS) {
      const operation = item[method];
      if (!isObject(operation) || operations.length >= MAX_OPERATIONS) continue;
      const own = parameters(operation.parameters, components);
      const body = isObject(operation.requestBody) ? operation.requestBody : null;
      const responses = isObject(operation.responses) ? operation.responses : {};
      const security = Array.isArray(operation.security)
        ? operation.security.flatMap((requirement) =>
            isObject(requirement)
              ? Object.entries(requirement).flatMap(([scheme, scopes]) =>
                  Array.isArray(scopes) && scopes.length > 0 ? scopes.map(String) : [scheme],
                )
              : [],
          )
        : [];
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: str(operation.operationId),
        summary: str(operation.summary),
        description: str(operation.description),
        tags: Array.isArray(operation.tags)
          ? operation.tags.filter((tag): tag is string => typeof tag === 'string')
          : [],
        parameters: [
          ...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)),
          ...own,
        ],
        requestBody: body
          ? { type: contentType(body.content) ?? 'any', required: body.required === true }
          : null,
        responses: Object.entries(responses).map(([status, response]) => ({
          status,
          description: isObject(response) ? str(response.description) : null,
          type: isObject(response) ? contentType(response.content) : null,
        })),
        security,
      });
    }
  }
  const schemaEntries = isObject(components.schemas) ? Object.entries(components.schemas) : [];
  const schemas = schemaEntries.slice(0, 200).map(([name, schema]): OpenApiSchemaSummary => {
    const object = isObject(schema) ? schema : {};
    const required = new Set(Array.isArray(object.required) ? object.required.map(String) : []);
    const properties = isObject(object.properties) ? Object.entries(object.properties) : [];
    return {
      name,
      type: schemaType(object),
      description: str(object.description),
      properties: properties.map(([property, value]) => ({
        name: property,
        type: schemaType(value),
        required: required.has(property),
        description: isObject(value) ? str(value.description) : null,
      })),
    };
  });
  return {
    title: str(info.title),
    version: str(info.version),
    description: str(info.description),
    operations,
    schemas,
  };
}
