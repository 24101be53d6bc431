import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadIdentityConfig, startupWarnings } from '../../src/config.js';

const productionEnv = {
  NODE_ENV: 'production',
  IDENTITY_MASTER_KEY: randomBytes(32).toString('base64'),
  CREDENTIAL_HASH_KEY: randomBytes(32).toString('base64'),
  IDENTITY_SERVICE_TOKENS: `gateway=${'g'.repeat(40)},portal=${'p'.repeat(40)}`,
};

describe('identity start-up warnings', () => {
  it('warns a production identity with a portal that believes no proxy', () => {
    const warnings = startupWarnings(loadIdentityConfig(productionEnv));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^TRUSTED_PROXIES is empty: sign-ins through the portal/);
  });

  it('says nothing once the portal is trusted, without a portal, or outside production', () => {
    expect(
      startupWarnings(loadIdentityConfig({ ...productionEnv, TRUSTED_PROXIES: '10.0.4.0/24' })),
    ).toEqual([]);
    expect(
      startupWarnings(
        loadIdentityConfig({
          ...productionEnv,
          IDENTITY_SERVICE_TOKENS: `gateway=${'g'.repeat(40)}`,
        }),
      ),
    ).toEqual([]);
    expect(startupWarnings(loadIdentityConfig({ NODE_ENV: 'development' }))).toEqual([]);
  });
});
