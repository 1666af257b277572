/** What the playground page needs to know about the service it runs against. */
export interface PlaygroundConfig {
  /** Insecure dev mode: connections may name their user, and the page offers a send form. */
  devMode: boolean;
  /** Path of the WebSocket endpoint, e.g. `/ws`. */
  wsPath: string;
}

/** Injection token of the {@link PlaygroundConfig}. */
export const PLAYGROUND_CONFIG = Symbol('PLAYGROUND_CONFIG');
