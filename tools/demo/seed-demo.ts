// Seeds the demo: applies infra/catalog/demo-catalog.yaml (teams "platform", APIs weather and
// payments) and creates three people, printing their logins to .var/demo-logins.txt:
//   admin@portcullis.local      admin
//   approver@portcullis.local   approver of both demo APIs, member of team "platform"
//   developer@portcullis.local  developer with a personal team
// Idempotent: run it again and it changes nothing (passwords are kept in the logins file; a user
// whose password is not the one on file gets a new one). Runs under plain Node 24 after the build
// (`npm start` calls it with DATABASE_URL set, after migrations): it imports no app code and
// applies the catalog through identity's built command.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createPrismaClient, type PrismaClient } from '@portcullis/db';
import argon2 from 'argon2';

const root = resolve(import.meta.dirname, '../..');
const catalogFile = 'infra/catalog/demo-catalog.yaml';
const applyCommand = resolve(root, 'apps/identity/dist/catalog/apply-catalog.js');
const loginsFile = resolve(root, process.env.DEMO_LOGINS_FILE ?? '.var/demo-logins.txt');
const DEMO_APIS = ['weather', 'payments'];

// The same argon2id parameters as identity's sign-up.
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

interface DemoUser {
  label: 'admin' | 'approver' | 'developer';
  email: string;
  displayName: string;
}

const USERS: DemoUser[] = [
  { label: 'admin', email: 'admin@portcullis.local', displayName: 'Ada Admin' },
  { label: 'approver', email: 'approver@portcullis.local', displayName: 'Arne Approver' },
  { label: 'developer', email: 'developer@portcullis.local', displayName: 'Dana Developer' },
];

function knownPasswords(): Map<string, string> {
  const passwords = new Map<string, string>();
  if (!existsSync(loginsFile)) return passwords;
  for (const line of readFileSync(loginsFile, 'utf8').split('\n')) {
    const match = /^\s+\w+\s+(\S+@\S+)\s+(\S+)\s*$/.exec(line);
    if (match) passwords.set(match[1]!, match[2]!);
  }
  return passwords;
}

function applyCatalog(): void {
  if (!existsSync(applyCommand)) {
    throw new Error(`${applyCommand} is missing: build identity first (npx nx run-many -t build)`);
  }
  execFileSync(process.execPath, [applyCommand, catalogFile], { cwd: root, stdio: 'inherit' });
}

async function ensureUser(prisma: PrismaClient, user: DemoUser, known: string | undefined) {
  const existing = await prisma.user.findUnique({ where: { email: user.email } });
  let password = known;
  const passwordStillValid =
    existing !== null &&
    password !== undefined &&
    (await argon2.verify(existing.passwordHash, password));
  if (!passwordStillValid) password = randomBytes(12).toString('base64url');
  const data = {
    displayName: user.displayName,
    status: 'active' as const,
    failedSignIns: 0,
    lockedUntil: null,
    ...(passwordStillValid ? {} : { passwordHash: await argon2.hash(password!, ARGON2) }),
  };
  const record = existing
    ? await prisma.user.update({ where: { id: existing.id }, data })
    : await prisma.user.create({
        data: { ...data, email: user.email, passwordHash: data.passwordHash! },
      });
  await ensureRole(prisma, record.id, 'developer', null);
  // Like sign-up: everyone has a personal team for their own applications.
  await ensureMembership(
    prisma,
    record.id,
    `${user.label}-personal`,
    `${user.displayName}'s team`,
    'owner',
  );
  return { id: record.id, password: password! };
}

async function ensureRole(
  prisma: PrismaClient,
  userId: string,
  role: 'developer' | 'approver' | 'admin',
  apiId: string | null,
): Promise<void> {
  const found = await prisma.roleAssignment.findFirst({ where: { userId, role, apiId } });
  if (!found) await prisma.roleAssignment.create({ data: { userId, role, apiId } });
}

async function ensureMembership(
  prisma: PrismaClient,
  userId: string,
  teamSlug: string,
  teamName: string,
  role: 'owner' | 'member',
): Promise<void> {
  const team =
    (await prisma.team.findUnique({ where: { slug: teamSlug } })) ??
    (await prisma.team.create({ data: { slug: teamSlug, name: teamName } }));
  await prisma.teamMember.upsert({
    where: { teamId_userId: { teamId: team.id, userId } },
    create: { teamId: team.id, userId, role },
    update: {},
  });
}

async function main(): Promise<void> {
  applyCatalog();
  const prisma = createPrismaClient({
    databaseUrl: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/portcullis',
    applicationName: 'seed-demo',
    poolMax: 2,
  });
  try {
    const known = knownPasswords();
    const logins: { label: string; email: string; password: string }[] = [];
    const ids = new Map<string, string>();
    for (const user of USERS) {
      const { id, password } = await ensureUser(prisma, user, known.get(user.email));
      ids.set(user.label, id);
      logins.push({ label: user.label, email: user.email, password });
    }
    await ensureRole(prisma, ids.get('admin')!, 'admin', null);
    const approverId = ids.get('approver')!;
    await ensureMembership(prisma, approverId, 'platform', 'Platform', 'owner');
    for (const slug of DEMO_APIS) {
      const api = await prisma.api.findUnique({ where: { slug } });
      if (!api) throw new Error(`the demo catalog did not create the API "${slug}"`);
      await ensureRole(prisma, approverId, 'approver', api.id);
    }
    const portal = process.env.PORTAL_URL ?? `http://127.0.0.1:${process.env.PORTAL_PORT ?? 3000}`;
    const text = [
      `Demo logins (portal ${portal}):`,
      ...logins.map(
        (login) => `  ${login.label.padEnd(10)} ${login.email.padEnd(28)} ${login.password}`,
      ),
      '',
    ].join('\n');
    mkdirSync(dirname(loginsFile), { recursive: true });
    writeFileSync(loginsFile, text, { mode: 0o600 });
    console.log(text);
  } finally {
    await prisma.$disconnect();
  }
}

await main();
