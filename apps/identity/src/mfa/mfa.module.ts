import { Module } from '@nestjs/common';
import { MfaController } from './mfa.controller.js';
import { MfaService } from './mfa.service.js';

@Module({ controllers: [MfaController], providers: [MfaService] })
export class MfaModule {}
