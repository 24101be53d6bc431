import { Module } from '@nestjs/common';
import { CONFIG } from '@portcullis/nest-service';
import { Redis } from 'ioredis';
import { AlertDetectorService, ALERTS_REDIS } from './alert-detector.service.js';
import { AlertNotifier } from './alert-notifier.js';
import { AlertStore } from './alert-store.js';
import { DEV_AUDIT_SERVICE_TOKEN, type AlertsConfig } from './alerts-env.js';
import { AlertResponses, AUTO_RESPONSES, IDENTITY_RESPONSES } from './alert-responses.service.js';
import { IdentityResponsesClient } from './identity-responses-client.js';
import { AuditManagementEvents } from '../siem/sink-management-events.js';
import { AlertsController } from './alerts.controller.js';

/** Anomaly rules on the event stream, alerts with dedup and open → acknowledged → resolved. */
@Module({
  controllers: [AlertsController],
  providers: [
    {
      provide: ALERTS_REDIS,
      inject: [CONFIG],
      useFactory: (config: AlertsConfig) =>
        new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3, connectTimeout: 2000 }),
    },
    {
      provide: IDENTITY_RESPONSES,
      inject: [CONFIG],
      useFactory: (config: AlertsConfig) =>
        new IdentityResponsesClient(
          config.IDENTITY_URL ?? 'http://127.0.0.1:3001',
          config.IDENTITY_SERVICE_TOKEN ?? DEV_AUDIT_SERVICE_TOKEN,
        ),
    },
    {
      provide: AUTO_RESPONSES,
      inject: [CONFIG],
      useFactory: (config: AlertsConfig) => config.ALERT_RESPONSES ?? {},
    },
    AuditManagementEvents,
    AlertResponses,
    AlertNotifier,
    AlertStore,
    AlertDetectorService,
  ],
  exports: [AlertStore],
})
export class AlertsModule {}
