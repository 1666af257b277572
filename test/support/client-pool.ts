import { TestClient } from './ws-client.js';

/** The sockets a test opens, kept to be closed together whether the test passed or not. */
export class ClientPool {
  private readonly clients: TestClient[] = [];

  /** A pool whose clients are closed after each test of the enclosing `describe`. */
  static closedAfterEach(): ClientPool {
    const pool = new ClientPool();
    afterEach(() => pool.closeAll());
    return pool;
  }

  /** Opens a connection, waits for `welcome`, and keeps it. */
  async connect(url: string): Promise<TestClient> {
    return this.keep(await TestClient.connect(url));
  }

  /** Opens a connection without waiting for any frame, and keeps it. */
  async open(url: string): Promise<TestClient> {
    return this.keep(await TestClient.open(url));
  }

  keep<Kept extends TestClient | TestClient[]>(kept: Kept): Kept {
    this.clients.push(...[kept].flat());
    return kept;
  }

  closeAll(): void {
    for (const client of this.clients.splice(0)) client.close();
  }
}
