import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module.js';
import { SiemModule } from './siem.module.js';

/** What the security team consumes: SIEM export (siem/) and anomaly alerts (alerts/). */
@Module({ imports: [SiemModule, AlertsModule] })
export class SecurityFeedModule {}
