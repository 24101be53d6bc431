import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module.js';
import { CatalogModule } from '../catalog/catalog.module.js';
import { MfaModule } from '../mfa/mfa.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { RolesModule } from '../roles/roles.module.js';
import { SecurityModule } from '../security/security.module.js';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module.js';
import { TeamsModule } from '../teams/teams.module.js';
import { UsersModule } from '../users/users.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';

/** The `/v1` management API: people, teams, applications, catalog, subscriptions, approvals. */
@Module({
  imports: [
    WebhooksModule,
    NotificationsModule,
    TeamsModule,
    UsersModule,
    MfaModule,
    RolesModule,
    CatalogModule,
    SubscriptionsModule,
    ApplicationsModule,
    SecurityModule,
  ],
})
export class ManagementApiModule {}
