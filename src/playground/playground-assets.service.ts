import { Injectable, NotFoundException } from '@nestjs/common';
import { readFile } from 'node:fs/promises';

/** A static file of the page, with its content type. */
export interface PlaygroundAsset {
  body: Buffer;
  contentType: string;
}

/** The only files served: a fixed list, so no request path ever reaches the file system. */
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'playground.js': 'text/javascript; charset=utf-8',
  'playground.js.map': 'application/json; charset=utf-8',
  'playground.css': 'text/css; charset=utf-8',
};

/**
 * The page's built files in `dist/public`. The path is found from this file's own place, two
 * levels below the project root both as source (`src/playground`) and compiled (`dist/playground`).
 */
const PUBLIC_DIR = new URL('../../dist/public/', import.meta.url);

/** Reads the playground's static files once and keeps them in memory: they are a few kilobytes. */
@Injectable()
export class PlaygroundAssets {
  private readonly cache = new Map<string, Promise<PlaygroundAsset>>();

  /** One asset by file name; 404 for any other name or a file that was not built. */
  get(name: string): Promise<PlaygroundAsset> {
    if (!Object.hasOwn(ASSETS, name)) return Promise.reject(new NotFoundException());
    const contentType = ASSETS[name];
    let asset = this.cache.get(name);
    if (!asset) {
      asset = readFile(new URL(name, PUBLIC_DIR)).then(
        (body) => ({ body, contentType }),
        () => {
          this.cache.delete(name);
          throw new NotFoundException(`${name} is not built: run npm run build`);
        },
      );
      this.cache.set(name, asset);
    }
    return asset;
  }
}
