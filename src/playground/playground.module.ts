import { Module, type DynamicModule, type InjectionToken, type ModuleMetadata } from '@nestjs/common';
import { PlaygroundAssets } from './playground-assets.service.js';
import { PLAYGROUND_CONFIG, type PlaygroundConfig } from './playground.config.js';
import { PlaygroundController } from './playground.controller.js';

/** How {@link PlaygroundModule.registerAsync} derives the config from other providers. */
export interface PlaygroundAsyncConfig extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...deps: never[]) => PlaygroundConfig | Promise<PlaygroundConfig>;
  inject?: InjectionToken[];
}

/** The browser playground at `GET /`; the host app tells it the mode and the WebSocket path. */
@Module({})
export class PlaygroundModule {
  /** Registers the playground with settings known up front. */
  static register(config: PlaygroundConfig): DynamicModule {
    return PlaygroundModule.registerAsync({ useFactory: () => config });
  }

  /** Registers the playground with settings derived from providers, e.g. the service's resolved options. */
  static registerAsync({ imports = [], useFactory, inject = [] }: PlaygroundAsyncConfig): DynamicModule {
    return {
      module: PlaygroundModule,
      imports,
      controllers: [PlaygroundController],
      providers: [{ provide: PLAYGROUND_CONFIG, useFactory, inject }, PlaygroundAssets],
    };
  }
}
