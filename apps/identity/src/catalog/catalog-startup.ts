import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import type { IdentityConfig } from '../config.js';
import { CatalogApplier } from './catalog-applier.js';

/** Applies CATALOG_FILE at start-up; an invalid file stops the service (fail fast, loudly). */
@Injectable()
export class CatalogStartup implements OnApplicationBootstrap {
  constructor(
    @Inject(CONFIG) private readonly config: IdentityConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly applier: CatalogApplier,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.config.CATALOG_FILE;
    if (!file) return;
    const summary = await this.applier.applyFile(file, {
      type: 'system',
      id: null,
      label: 'catalog-file',
    });
    this.logger.info({ file, ...summary }, 'catalog file applied');
  }
}
