import { createServer } from 'node:http';

/**
 * The peer: oidc-provider configured for client_credentials only, issuing JWT access tokens
 * signed with ES256 for one resource (RFC 8707), like identity does. Started as its own process.
 */
const port = Number(process.env.PORT ?? 0);
const issuer = `http://127.0.0.1:${port}`;
const signingJwk = JSON.parse(process.env.SIGNING_JWK!) as Record<string, unknown>;
const resource = 'urn:bench:api';

// The package ships no types; a non-literal specifier keeps the compiler from asking for them.
const providerModule: string = 'oidc-provider';
const { default: Provider } = (await import(providerModule)) as {
  default: new (
    issuer: string,
    configuration: object,
  ) => {
    proxy: boolean;
    callback(): Parameters<typeof createServer>[1];
  };
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID!,
      client_secret: process.env.CLIENT_SECRET!,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [{ ...signingJwk, alg: 'ES256', use: 'sig' }] },
  scopes: ['orders:read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'orders:read',
        audience: resource,
        accessTokenTTL: 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
provider.proxy = false;

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  process.send?.({ ready: true });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
