// Offline replacement for `prisma migrate deploy | dev --create-only | reset`.
//
//   node tools/db/migrate.ts deploy [--url URL]
//   node tools/db/migrate.ts create --name NAME [--check] [--url URL]
//   node tools/db/migrate.ts reset [--force] [--url URL]
//   node tools/db/migrate.ts resolve --rolled-back NAME | --applied NAME [--url URL]
//
// The database URL comes from --url, else DATABASE_URL, else the documented default.
// `create` exits 0 whether or not it wrote a migration; with --check it writes nothing and exits
// 2 when the schema has changes no migration covers (for CI).
import { parseArgs } from 'node:util';
import { redactUrl, resolveDatabaseUrl } from './database-url.ts';
import {
  createMigration,
  diffMigrationsToSchema,
  migrateDatabase,
  resetDatabase,
  resolveMigration,
} from './schema-engine.ts';

const USAGE = `Usage:
  node tools/db/migrate.ts deploy [--url URL]
  node tools/db/migrate.ts create --name NAME [--check] [--url URL]
  node tools/db/migrate.ts reset [--force] [--url URL]
  node tools/db/migrate.ts resolve --rolled-back NAME | --applied NAME [--url URL]`;

function printApplied(applied: string[]): void {
  if (applied.length === 0) {
    console.log('No pending migrations.');
    return;
  }
  console.log(`Applied ${applied.length} migration(s):`);
  for (const name of applied) console.log(`  ${name}`);
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      name: { type: 'string' },
      check: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      'rolled-back': { type: 'string' },
      applied: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const databaseUrl = resolveDatabaseUrl(values.url);

  switch (command) {
    case 'deploy': {
      console.log(`Migrating ${redactUrl(databaseUrl)}`);
      const result = await migrateDatabase(databaseUrl);
      if (result.createdDatabase) console.log('Created the database.');
      printApplied(result.applied);
      return 0;
    }
    case 'reset': {
      console.log(`Resetting ${redactUrl(databaseUrl)}`);
      const result = await resetDatabase(databaseUrl, { force: values.force });
      if (result.createdDatabase) console.log('Created the database.');
      printApplied(result.applied);
      return 0;
    }
    case 'create': {
      if (values.check) {
        const diff = await diffMigrationsToSchema(databaseUrl);
        if (!diff.changed) {
          console.log('The migrations match prisma/schema.prisma.');
          return 0;
        }
        console.log('prisma/schema.prisma has changes no migration covers:\n');
        console.log(diff.script);
        return 2;
      }
      if (!values.name) {
        console.error('create needs --name NAME');
        return 1;
      }
      const result = await createMigration(databaseUrl, values.name);
      if (!result.folder) {
        console.log('No schema changes: no migration written.');
        return 0;
      }
      console.log(`Wrote prisma/migrations/${result.folder}/migration.sql`);
      return 0;
    }
    case 'resolve': {
      const rolledBack = values['rolled-back'];
      const applied = values.applied;
      if (Boolean(rolledBack) === Boolean(applied)) {
        console.error('resolve needs exactly one of --rolled-back NAME or --applied NAME');
        return 1;
      }
      if (rolledBack) {
        await resolveMigration(databaseUrl, rolledBack, 'rolled-back');
        console.log(`Marked ${rolledBack} as rolled back.`);
      } else if (applied) {
        await resolveMigration(databaseUrl, applied, 'applied');
        console.log(`Marked ${applied} as applied.`);
      }
      return 0;
    }
    default:
      console.error(`Unknown command: ${command}\n${USAGE}`);
      return 1;
  }
}

// Exit explicitly: the engine's timers would otherwise keep Node alive for a while.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
