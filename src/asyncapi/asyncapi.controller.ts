import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { asyncApiDocument } from './asyncapi.document.js';

/** Serves the WebSocket protocol's AsyncAPI document; no API key. */
@ApiTags('operations')
@Controller()
export class AsyncApiController {
  @Get('asyncapi.json')
  @ApiOperation({ summary: 'The WebSocket protocol as an AsyncAPI 3 document' })
  @ApiOkResponse({ description: 'AsyncAPI 3.0 document.', schema: { type: 'object', example: { asyncapi: '3.0.0' } } })
  document(): typeof asyncApiDocument {
    return asyncApiDocument;
  }
}
