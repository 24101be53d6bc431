import { readFile } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { Actor } from '@portcullis/contracts';
import type { Prisma, PrismaClient, Team } from '@portcullis/db';
import { PRISMA, problems } from '@portcullis/nest-service';
import { ConfigChanges, type PendingConfigChange } from '../audit-trail/config-changes.js';
import { ManagementEvents } from '../audit-trail/management-events.js';
import { SYSTEM_ACTOR } from '../auth/request-meta.js';
import { CatalogChanges } from './catalog-changes.js';
import {
  CatalogFileError,
  parseCatalogYaml,
  type CatalogFile,
  type CatalogIssue,
} from './catalog-file.js';
import { catalogTeamId, isCatalogTeamId } from './catalog-teams.js';
import { apiWithParts, CatalogWriter, type ApiWriteResult } from './catalog-writer.js';
import { UpstreamPolicy } from './upstream-policy.js';

/** Advisory lock key serialising catalog applications (any constant unique in this database). */
const CATALOG_APPLY_LOCK = 7_401_002;

export interface CatalogApplySummary {
  teamsCreated: string[];
  apisCreated: string[];
  apisUpdated: string[];
  apisUnchanged: string[];
  apisDeleted: string[];
}

/**
 * Applies a catalog file in one transaction: all of it or none of it. The file is written by the
 * platform's operators and applied with admin authority: it may nest base paths of different
 * teams' APIs, like an admin. The upstream rules apply to it as to everyone.
 */
@Injectable()
export class CatalogApplier {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    private readonly writer: CatalogWriter,
    private readonly changes: CatalogChanges,
    private readonly configChanges: ConfigChanges,
    private readonly events: ManagementEvents,
    private readonly upstreams: UpstreamPolicy,
  ) {}

  async applyFile(path: string, actor: Actor = SYSTEM_ACTOR): Promise<CatalogApplySummary> {
    return this.apply(parseCatalogYaml(await readFile(path, 'utf8')), actor);
  }

  async apply(file: CatalogFile, actor: Actor = SYSTEM_ACTOR): Promise<CatalogApplySummary> {
    // Before the transaction: CATALOG_UPSTREAM_ALLOWED_HOSTS is configuration, not data.
    const refused = file.apis.flatMap((api, index) => {
      const refusal = this.upstreams.refusal(api.upstreamUrl);
      return refusal ? [{ path: `apis[${index}].upstreamUrl`, message: refusal }] : [];
    });
    if (refused.length > 0) throw new CatalogFileError('The catalog file is invalid:', refused);
    const summary: CatalogApplySummary = {
      teamsCreated: [],
      apisCreated: [],
      apisUpdated: [],
      apisUnchanged: [],
      apisDeleted: [],
    };
    const writes: { result: ApiWriteResult; pending: PendingConfigChange | null }[] = [];
    const deletions: {
      id: string;
      slug: string;
      ownerTeamId: string;
      pending: PendingConfigChange;
    }[] = [];
    await this.prisma.$transaction(
      async (transaction) => {
        // Replicas starting together with the same CATALOG_FILE apply it one after the other.
        await transaction.$executeRaw`SELECT pg_advisory_xact_lock(${CATALOG_APPLY_LOCK})`;
        const teamIds = new Map<string, string>();
        const taken: CatalogIssue[] = [];
        for (const [index, team] of file.teams.entries()) {
          const found = await transaction.team.findUnique({ where: { slug: team.slug } });
          if (found) {
            if (!team.adopt && !(await this.isOurs(transaction, found))) {
              taken.push({ path: `teams[${index}].slug`, message: notOurs(team.slug) });
            }
            teamIds.set(team.slug, found.id);
            continue;
          }
          const created = await transaction.team.create({
            data: {
              id: catalogTeamId(team.slug),
              slug: team.slug,
              name: team.name,
              description: team.description,
            },
          });
          teamIds.set(team.slug, created.id);
          summary.teamsCreated.push(team.slug);
        }
        if (taken.length > 0) {
          throw new CatalogFileError('The catalog file cannot be applied:', taken);
        }
        for (const [index, entry] of file.apis.entries()) {
          let ownerTeamId = teamIds.get(entry.ownerTeam);
          if (!ownerTeamId) {
            const team = await transaction.team.findUnique({ where: { slug: entry.ownerTeam } });
            if (!team) {
              throw new CatalogFileError('The catalog file is invalid:', [
                {
                  path: `apis[${index}].ownerTeam`,
                  message: `no team "${entry.ownerTeam}" (list it under teams)`,
                },
              ]);
            }
            if (!(await this.isOurs(transaction, team))) {
              throw new CatalogFileError('The catalog file cannot be applied:', [
                {
                  path: `apis[${index}].ownerTeam`,
                  message: `${notOurs(entry.ownerTeam)} (list it under teams to do so)`,
                },
              ]);
            }
            ownerTeamId = team.id;
            teamIds.set(entry.ownerTeam, team.id);
          }
          const { ownerTeam: _slug, ...definition } = entry;
          const existing = await transaction.api.findUnique({
            where: { slug: entry.slug },
            include: apiWithParts,
          });
          const result = await this.writer.save(
            transaction,
            existing,
            { ...definition, ownerTeamId },
            // Operators (see the class comment) may nest; they see every API, so name them.
            { prunePlans: file.prune, allowNesting: true, nameConflicts: true },
          );
          writes.push({ result, pending: await this.changes.record(transaction, result) });
          const bucket = result.created
            ? summary.apisCreated
            : result.changedFields.length > 0
              ? summary.apisUpdated
              : summary.apisUnchanged;
          bucket.push(entry.slug);
        }
        if (file.prune) {
          const keep = file.apis.map((api) => api.slug);
          const stale = await transaction.api.findMany({ where: { slug: { notIn: keep } } });
          for (const api of stale) {
            if ((await transaction.subscription.count({ where: { apiId: api.id } })) > 0) {
              throw problems.conflict(
                `prune: API "${api.slug}" is not in the file but has subscriptions; revoke and remove them first.`,
              );
            }
            await transaction.api.delete({ where: { id: api.id } });
            const pending = await this.configChanges.record(transaction, 'api.changed', api.id);
            deletions.push({ id: api.id, slug: api.slug, ownerTeamId: api.ownerTeamId, pending });
            summary.apisDeleted.push(api.slug);
          }
        }
      },
      { timeout: 60_000 },
    );
    for (const { result, pending } of writes) this.changes.announce(result, pending, actor);
    for (const deletion of deletions) {
      this.configChanges.announce(deletion.pending);
      this.events.publish({
        action: 'api.deleted',
        outcome: 'success',
        actor,
        target: { type: 'api', id: deletion.id },
        apiId: deletion.id,
        teamId: deletion.ownerTeamId,
        details: { slug: deletion.slug, via: 'catalog-file' },
      });
    }
    return summary;
  }

  /**
   * Whether the file may hand APIs to an existing team of its slug: one the catalog created (its
   * id says so), or an established API owner (only admins and the catalog make a team own APIs).
   * Anything else may be a slug someone registered to receive the file's APIs.
   */
  private async isOurs(transaction: Prisma.TransactionClient, team: Team): Promise<boolean> {
    if (isCatalogTeamId(team.id, team.slug)) return true;
    return (await transaction.api.count({ where: { ownerTeamId: team.id } })) > 0;
  }
}

function notOurs(slug: string): string {
  return `team "${slug}" exists but was not created by the catalog (anyone may register a team slug); rename the team in the file, or assign it explicitly with adopt: true after checking its members`;
}
