import { Global, Module } from '@nestjs/common';
import { CatalogApplier } from './catalog-applier.js';
import { CatalogChanges } from './catalog-changes.js';
import { CatalogStartup } from './catalog-startup.js';
import { CatalogWriter } from './catalog-writer.js';
import { CatalogController } from './catalog.controller.js';
import { CatalogService } from './catalog.service.js';
import { UpstreamPolicy } from './upstream-policy.js';

@Global()
@Module({
  controllers: [CatalogController],
  providers: [
    UpstreamPolicy,
    CatalogWriter,
    CatalogChanges,
    CatalogService,
    CatalogApplier,
    CatalogStartup,
  ],
  exports: [CatalogService, CatalogApplier],
})
export class CatalogModule {}
