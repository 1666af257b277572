import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller.js';

/** `GET /asyncapi.json`: the WebSocket protocol described for clients and tooling. */
@Module({ controllers: [AsyncApiController] })
export class AsyncApiModule {}
