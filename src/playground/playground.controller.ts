import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PlaygroundAssets } from './playground-assets.service.js';
import { PLAYGROUND_CONFIG, type PlaygroundConfig } from './playground.config.js';

/** Serves the browser playground: one static page, its script and style, and its settings. */
@ApiExcludeController()
@Controller()
export class PlaygroundController {
  constructor(
    @Inject(PLAYGROUND_CONFIG) private readonly config: PlaygroundConfig,
    private readonly assets: PlaygroundAssets,
  ) {}

  @Get()
  page(@Res() reply: FastifyReply): Promise<void> {
    return this.send(reply, 'index.html');
  }

  @Get('playground/config.json')
  settings(): PlaygroundConfig {
    return { devMode: this.config.devMode, wsPath: this.config.wsPath };
  }

  @Get('playground/:file')
  asset(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    return this.send(reply, file);
  }

  private async send(reply: FastifyReply, name: string): Promise<void> {
    const { body, contentType } = await this.assets.get(name);
    // Assets change with every build and are tiny: revalidate rather than cache stale copies.
    await reply.type(contentType).header('cache-control', 'no-cache').send(body);
  }
}
