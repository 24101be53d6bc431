import { describe, expect, it } from 'vitest';
import { schemaType, summarizeOpenApi } from './openapi';

const document = {
  openapi: '3.1.0',
  info: { title: 'Payments', version: '2.1', description: 'Move money.' },
  paths: {
    '/orders/{orderId}': {
      parameters: [{ name: 'orderId', in: 'path', schema: { type: 'string', format: 'uuid' } }],
      get: {
        operationId: 'getOrder',
        summary: 'Fetch one order',
        tags: ['orders'],
        parameters: [{ $ref: '#/components/parameters/Expand' }],
        responses: {
          '200': {
            description: 'The order',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } },
          },
          '404': { description: 'No such order' },
        },
        security: [{ oauth2: ['orders:read'] }],
      },
      post: {
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'array', items: { $ref: '#/components/schemas/Line' } },
            },
          },
        },
        responses: { '201': { description: 'Created' } },
      },
      'x-internal': { get: 'not an operation' },
    },
    '/broken': 'not an object',
  },
  components: {
    parameters: {
      Expand: { name: 'expand', in: 'query', schema: { enum: ['lines', 'customer'] } },
    },
    schemas: {
      Order: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string', format: 'uuid', description: 'Order id' },
          total: { type: 'number' },
          note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
      },
      Line: { type: 'object', properties: {} },
    },
  },
};

describe('summarizeOpenApi', () => {
  it('lists operations with parameters (shared and referenced), bodies, responses and scopes', () => {
    const summary = summarizeOpenApi(document);
    expect(summary?.title).toBe('Payments');
    expect(summary?.operations.map((op) => `${op.method} ${op.path}`)).toEqual([
      'GET /orders/{orderId}',
      'POST /orders/{orderId}',
    ]);
    const get = summary?.operations[0];
    expect(get?.parameters).toEqual([
      { name: 'orderId', in: 'path', required: true, description: null, type: 'string (uuid)' },
      {
        name: 'expand',
        in: 'query',
        required: false,
        description: null,
        type: '"lines" | "customer"',
      },
    ]);
    expect(get?.responses).toEqual([
      { status: '200', description: 'The order', type: 'Order' },
      { status: '404', description: 'No such order', type: null },
    ]);
    expect(get?.security).toEqual(['orders:read']);
    expect(summary?.operations[1]?.requestBody).toEqual({ type: 'array of Line', required: true });
  });

  it('lists component schemas with their properties', () => {
    const order = summarizeOpenApi(document)?.schemas.find((schema) => schema.name === 'Order');
    expect(order?.properties).toEqual([
      { name: 'id', type: 'string (uuid)', required: true, description: 'Order id' },
      { name: 'total', type: 'number', required: false, description: null },
      { name: 'note', type: 'string | null', required: false, description: null },
    ]);
  });

  it('returns null for something that is not an OpenAPI document', () => {
    expect(summarizeOpenApi(null)).toBeNull();
    expect(summarizeOpenApi('<script>')).toBeNull();
    expect(summarizeOpenApi({ paths: [] })).toBeNull();
  });
});

describe('schemaType', () => {
  it('stops on self-referencing depth and unknown shapes', () => {
    expect(schemaType(undefined)).toBe('any');
    expect(
      schemaType({
        type: 'array',
        items: {
          type: 'array',
          items: {
            type: 'array',
            items: { type: 'array', items: { type: 'array', items: { type: 'string' } } },
          },
        },
      }),
    ).toBe('array of array of array of array of array of any');
  });
});
