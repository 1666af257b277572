import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { HostModule } from './host.module.js';
import { serve } from './serve.js';

await serve(await NestFactory.create<NestFastifyApplication>(HostModule, new FastifyAdapter(), { logger: ['error', 'warn'] }));
