import { Module } from '@nestjs/common';
import { EventsController } from './events.controller.js';
import { UsageController } from './usage.controller.js';

@Module({ controllers: [EventsController, UsageController] })
export class QueryModule {}
