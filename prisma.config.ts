import { defineConfig } from 'prisma/config';

// Not `env('DATABASE_URL')`: it throws when the variable is unset, which breaks `prisma generate`
// on a fresh clone (postinstall). Same default as the apps and tools/db.
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: databaseUrl },
});
