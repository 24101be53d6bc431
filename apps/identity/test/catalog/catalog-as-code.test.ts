import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { PrismaClient } from '@portcullis/db';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applyCatalogFromCommandLine } from '../../src/catalog/apply-catalog.js';
import { CatalogApplier } from '../../src/catalog/catalog-applier.js';
import { CatalogFileError, parseCatalogYaml } from '../../src/catalog/catalog-file.js';
import { startIdentity, type IdentityTestApp } from '../support/identity-test-app.js';
import { suffix, testPrisma } from '../support/management-fixtures.js';

const repoRoot = resolve(import.meta.dirname, '../../../..');

function catalogYaml(id: string, extra = ''): string {
  return `
version: 1
teams:
  - slug: owners-${id}
    name: Owners ${id}
apis:
  - slug: maps-${id}
    name: Maps ${id}
    basePath: /maps-${id}
    upstreamUrl: http://127.0.0.1:4999
    ownerTeam: owners-${id}
    approval: { sandbox: auto, production: manual }
    scopes:
      - name: tiles:read
        description: Read tiles
    routes:
      - method: get
        pathPattern: /tiles/{z}/{x}/{y}
        requiredScopes: [tiles:read]
    plans:
      - name: free
        ratePerSecond: 5
      - name: pro
        ratePerSecond: 50
        approvalMode: manual
${extra}`;
}

describe('catalog as code', () => {
  let identity: IdentityTestApp;
  let prisma: PrismaClient;
  let dir: string;
  beforeAll(async () => {
    identity = await startIdentity();
    prisma = testPrisma();
    dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  });
  afterAll(async () => {
    await identity?.close();
    await prisma?.$disconnect();
  });

  it('applies a file, and applying it again changes nothing', async () => {
    const id = suffix();
    const file = join(dir, `catalog-${id}.yaml`);
    writeFileSync(file, catalogYaml(id));
    const applier = identity.app.get(CatalogApplier);

    const first = await applier.applyFile(file);
    expect(first).toMatchObject({
      teamsCreated: [`owners-${id}`],
      apisCreated: [`maps-${id}`],
      apisUpdated: [],
    });
    const api = await prisma.api.findUniqueOrThrow({
      where: { slug: `maps-${id}` },
      include: { plans: true, routes: true, scopes: true },
    });
    expect(api.version).toBe(1);
    expect(api.routes.map((route) => `${route.method} ${route.pathPattern}`)).toEqual([
      'GET /tiles/{z}/{x}/{y}',
    ]);
    expect(api.plans.find((plan) => plan.name === 'free')?.burst).toBe(10);
    const changesBefore = await prisma.configChange.count({ where: { entityId: api.id } });
    expect(changesBefore).toBe(1);

    const second = await applier.applyFile(file);
    expect(second).toEqual({
      teamsCreated: [],
      apisCreated: [],
      apisUpdated: [],
      apisUnchanged: [`maps-${id}`],
      apisDeleted: [],
    });
    const after = await prisma.api.findUniqueOrThrow({ where: { slug: `maps-${id}` } });
    expect(after.version).toBe(1);
    expect(after.updatedAt.getTime()).toBe(api.updatedAt.getTime());
    expect(await prisma.configChange.count({ where: { entityId: api.id } })).toBe(changesBefore);

    // A real change bumps the version once and records one config change.
    writeFileSync(file, catalogYaml(id).replace('ratePerSecond: 50', 'ratePerSecond: 60'));
    const third = await applier.applyFile(file);
    expect(third.apisUpdated).toEqual([`maps-${id}`]);
    const changed = await prisma.api.findUniqueOrThrow({
      where: { slug: `maps-${id}` },
      include: { plans: true },
    });
    expect(changed.version).toBe(2);
    expect(changed.plans.find((plan) => plan.name === 'pro')?.ratePerSecond).toBe(60);
    expect(await prisma.configChange.count({ where: { entityId: api.id } })).toBe(
      changesBefore + 1,
    );
  });

  it('keeps plans missing from the file when prune is not set', async () => {
    const id = suffix();
    const file = join(dir, `prune-${id}.yaml`);
    writeFileSync(file, catalogYaml(id));
    const applier = identity.app.get(CatalogApplier);
    await applier.applyFile(file);
    const withoutPro = catalogYaml(id).replace(/ {6}- name: pro\n.*\n.*approvalMode: manual\n/, '');
    expect(withoutPro).not.toContain('name: pro');
    writeFileSync(file, withoutPro);
    const summary = await applier.applyFile(file);
    expect(summary.apisUnchanged).toEqual([`maps-${id}`]);
    const plans = await prisma.plan.findMany({ where: { api: { slug: `maps-${id}` } } });
    expect(plans.map((plan) => plan.name).sort()).toEqual(['free', 'pro']);
  });

  it('rejects invalid files with errors naming the field', () => {
    const id = suffix();
    const bad = catalogYaml(id)
      .replace('method: get', 'method: FETCH')
      .replace('ratePerSecond: 5', 'ratePerSecond: -1');
    let error: unknown;
    try {
      parseCatalogYaml(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CatalogFileError);
    const paths = (error as CatalogFileError).issues.map((issue) => issue.path).sort();
    expect(paths).toEqual(['apis[0].plans[0].ratePerSecond', 'apis[0].routes[0].method']);
    expect((error as Error).message).toContain('apis[0].routes[0].method');
  });

  it('rejects routes that need scopes the API does not define', () => {
    const text = catalogYaml(suffix()).replace(
      'requiredScopes: [tiles:read]',
      'requiredScopes: [tiles:write]',
    );
    expect(() => parseCatalogYaml(text)).toThrow(
      /apis\[0\]\.routes\[0\]\.requiredScopes\[0\]: scope "tiles:write" is not defined/,
    );
  });

  it('reports YAML syntax errors with their line', () => {
    expect(() => parseCatalogYaml('apis:\n  - slug: [unclosed\n')).toThrow(/line \d+/);
  });

  it('refuses an API whose owner team does not exist', async () => {
    const id = suffix();
    const text = catalogYaml(id).replace(`ownerTeam: owners-${id}`, `ownerTeam: ghosts-${id}`);
    await expect(identity.app.get(CatalogApplier).apply(parseCatalogYaml(text))).rejects.toThrow(
      `apis[0].ownerTeam: no team "ghosts-${id}"`,
    );
    expect(await prisma.api.count({ where: { slug: `maps-${id}` } })).toBe(0);
  });

  it('runs as a command: applies a file, and exits 1 naming the field of a bad one', async () => {
    const id = suffix();
    const good = join(dir, `cli-${id}.yaml`);
    writeFileSync(good, catalogYaml(id));
    const log = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await applyCatalogFromCommandLine([good])).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toContain(`APIs created:   maps-${id}`);
      const bad = join(dir, `cli-bad-${id}.yaml`);
      writeFileSync(
        bad,
        catalogYaml(id).replace('upstreamUrl: http://127.0.0.1:4999', 'upstreamUrl: ftp://x'),
      );
      expect(await applyCatalogFromCommandLine([bad])).toBe(1);
      expect(error.mock.calls.flat().join('\n')).toContain('apis[0].upstreamUrl');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  });

  it('ships a valid demo catalog with the weather and payments APIs', () => {
    const file = parseCatalogYaml(
      readFileSync(join(repoRoot, 'infra/catalog/demo-catalog.yaml'), 'utf8'),
    );
    const weather = file.apis.find((api) => api.slug === 'weather');
    const payments = file.apis.find((api) => api.slug === 'payments');
    expect(weather).toMatchObject({
      basePath: '/weather',
      upstreamUrl: 'http://127.0.0.1:4101',
      ownerTeam: 'platform',
      approval: { sandbox: 'auto', production: 'manual' },
      routes: [{ method: 'GET', pathPattern: '/forecast', requiredScopes: ['forecast:read'] }],
    });
    expect(weather?.plans.map((plan) => [plan.name, plan.ratePerSecond])).toEqual([
      ['free', 5],
      ['pro', 50],
    ]);
    expect(payments).toMatchObject({
      basePath: '/payments',
      upstreamUrl: 'http://127.0.0.1:4102',
      approval: { sandbox: 'manual', production: 'manual' },
    });
    expect(payments?.routes).toContainEqual({
      method: 'POST',
      pathPattern: '/invoices',
      requiredScopes: ['invoices:write'],
    });
  });
});
