import { Module } from '@nestjs/common';
import { AuditManagementEvents } from '../siem/sink-management-events.js';
import { EventsController } from './events.controller.js';
import { UsageController } from './usage.controller.js';

@Module({ controllers: [EventsController, UsageController], providers: [AuditManagementEvents] })
export class QueryModule {}
