import { Module } from '@nestjs/common';
import { IntegrityController } from './integrity.controller.js';

@Module({ controllers: [IntegrityController] })
export class IntegrityModule {}
