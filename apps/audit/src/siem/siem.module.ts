import { Module } from '@nestjs/common';
import { CONFIG, LOGGER } from '@portcullis/nest-service';
import type { Logger } from 'pino';
import { AuditManagementEvents } from './sink-management-events.js';
import { SinkSecretCipher } from './sink-secret-cipher.js';
import { SINK_SCOPE, SINK_SECRET_CIPHER, SinkSupervisor } from './sink-supervisor.js';
import { isDevelopmentSinkKey, type SiemConfig } from './siem-env.js';
import { SiemSinksController } from './siem-sinks.controller.js';
import { SiemSinksService } from './siem-sinks.service.js';

/** SIEM export: sinks through the API, one durable Kafka consumer group per sink. */
@Module({
  controllers: [SiemSinksController],
  providers: [
    {
      provide: SINK_SECRET_CIPHER,
      inject: [CONFIG, LOGGER],
      useFactory: (config: SiemConfig, logger: Logger) => {
        if (isDevelopmentSinkKey(config.AUDIT_SINK_SECRET_KEY)) {
          if (config.NODE_ENV === 'production') {
            throw new Error('AUDIT_SINK_SECRET_KEY must be set to a real secret in production');
          }
          if (config.NODE_ENV === 'development') {
            logger.warn('AUDIT_SINK_SECRET_KEY is the development default');
          }
        }
        return new SinkSecretCipher(
          config.AUDIT_SINK_SECRET_KEY,
          config.AUDIT_SINK_SECRET_KEY_PREVIOUS,
        );
      },
    },
    {
      provide: SINK_SCOPE,
      inject: [CONFIG],
      useFactory: (config: SiemConfig) =>
        config.SIEM_SINK_NAME_PREFIX ? { namePrefix: config.SIEM_SINK_NAME_PREFIX } : null,
    },
    AuditManagementEvents,
    SinkSupervisor,
    SiemSinksService,
  ],
  exports: [SiemSinksService, SinkSupervisor, AuditManagementEvents],
})
export class SiemModule {}
