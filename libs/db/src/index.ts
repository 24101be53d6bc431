export { createPrismaClient } from './create-prisma-client.js';
export type { CreatePrismaClientOptions } from './create-prisma-client.js';
export { checkDatabase, DatabaseUnavailableError } from './check-database.js';
// The generated client (run `npm run db:generate`): PrismaClient, the Prisma namespace (errors,
// input types), one type per model and one const + type per enum.
export * from './generated/client.js';
