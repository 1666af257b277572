import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { HostModule } from './host.module.js';
import { serve } from './serve.js';

// Nest's default platform: @nestjs/platform-express.
await serve(await NestFactory.create(HostModule, { logger: ['error', 'warn'] }));
