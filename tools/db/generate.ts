// Generates the Prisma client into libs/db/src/generated (git-ignored). Runs as the root
// `postinstall`, so a fresh clone gets a working client without network access:
//   node tools/db/generate.ts [--force]
//
// The Prisma CLI downloads its native schema engine before any command, even though `generate`
// never uses it; PRISMA_SCHEMA_ENGINE_BINARY=/bin/true satisfies that check offline. The output is
// skipped when the schema, config and Prisma version are those of the last run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DATABASE_URL } from './database-url.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUTPUT = join(ROOT, 'libs/db/src/generated');
const STAMP = join(OUTPUT, '.generated-from');

function inputsFingerprint(prismaDir: string): string {
  const hash = createHash('sha256');
  for (const file of [
    join(ROOT, 'prisma/schema.prisma'),
    join(ROOT, 'prisma.config.ts'),
    join(prismaDir, 'package.json'),
  ]) {
    hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function main(): number {
  const force = process.argv.includes('--force');
  const prismaDir = dirname(createRequire(import.meta.url).resolve('prisma/package.json'));
  const fingerprint = inputsFingerprint(prismaDir);
  const upToDate =
    existsSync(join(OUTPUT, 'client.ts')) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === fingerprint;
  if (upToDate && !force) {
    console.log('Prisma client is up to date (libs/db/src/generated).');
    return 0;
  }

  const result = spawnSync(
    process.execPath,
    [join(prismaDir, 'build/index.js'), 'generate', '--no-hints'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/true',
        DATABASE_URL: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    },
  );
  if (result.status !== 0) {
    console.error('prisma generate failed:');
    console.error(result.error?.message ?? `${result.stdout}\n${result.stderr}`);
    return 1;
  }
  writeFileSync(STAMP, fingerprint);
  console.log('Generated the Prisma client into libs/db/src/generated.');
  return 0;
}

process.exit(main());
