import { describe, expect, it } from 'vitest';
import {
  examplePath,
  generateSnippets,
  joinUrl,
  SECRET_ENV,
  SNIPPET_LANGUAGES,
  type SnippetInput,
} from './snippets';

const input: SnippetInput = {
  auth: 'client_credentials',
  tokenUrl: 'http://127.0.0.1:3001/oauth2/token',
  gatewayUrl: 'http://127.0.0.1:8080/',
  basePath: '/payments/',
  path: '/orders/{orderId}',
  method: 'get',
  clientId: 'pcl_client_abc123',
  resource: 'urn:portcullis:api:payments',
  scopes: ['orders:read'],
};

describe('generateSnippets', () => {
  it('gives one snippet per language, each with the client id, token URL and API URL', () => {
    const snippets = generateSnippets(input);
    expect(snippets.map((snippet) => snippet.language)).toEqual(
      SNIPPET_LANGUAGES.map((entry) => entry.language),
    );
    for (const snippet of snippets) {
      expect(snippet.code, snippet.language).toContain('pcl_client_abc123');
      expect(snippet.code, snippet.language).toContain('http://127.0.0.1:3001/oauth2/token');
      expect(snippet.code, snippet.language).toContain('http://127.0.0.1:8080/payments/orders/123');
      expect(snippet.code, snippet.language).toContain(SECRET_ENV);
    }
  });

  it('asks for the API as resource and the scopes in the token request', () => {
    const curl = generateSnippets(input).find((snippet) => snippet.language === 'curl');
    expect(curl?.code).toContain(
      "-d 'grant_type=client_credentials&resource=urn%3Aportcullis%3Aapi%3Apayments&scope=orders%3Aread'",
    );
  });

  it('uses the X-API-Key header and no token request for API keys', () => {
    for (const snippet of generateSnippets({ ...input, auth: 'api_key' })) {
      expect(snippet.code, snippet.language).toContain('X-API-Key');
      expect(snippet.code, snippet.language).not.toContain('oauth2/token');
    }
  });

  it('cannot be broken out of by a hostile client id', () => {
    const hostile = `x'; rm -rf / #"\\`;
    const snippets = generateSnippets({ ...input, clientId: hostile });
    const curl = snippets.find((snippet) => snippet.language === 'curl')?.code ?? '';
    expect(curl).toContain(`-u 'x'\\''; rm -rf / #"\\:'`);
    const node = snippets.find((snippet) => snippet.language === 'node')?.code ?? '';
    expect(node).toContain(`const clientId = ${JSON.stringify(hostile)};`);
  });

  it('passes non-GET methods on', () => {
    const snippets = generateSnippets({ ...input, method: 'post' });
    expect(snippets.find((snippet) => snippet.language === 'curl')?.code).toContain(' -X POST ');
    expect(snippets.find((snippet) => snippet.language === 'python')?.code).toContain(
      'requests.post(',
    );
  });
});

describe('joinUrl and examplePath', () => {
  it('joins with single slashes', () => {
    expect(joinUrl('http://gw/', '/api/', '/v1/x')).toBe('http://gw/api/v1/x');
    expect(joinUrl('http://gw', '', '/')).toBe('http://gw');
  });

  it('fills path parameters with an example value', () => {
    expect(examplePath('/orders/{id}/lines/{lineId}')).toBe('/orders/123/lines/123');
  });
});
