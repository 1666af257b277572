import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A PostgreSQL database of its own for one test run, created empty and dropped after. */
export class ScratchDatabase {
  private constructor(
    private readonly adminUrl: string,
    readonly name: string,
  ) {}

  /** Creates `<prefix>_<random>` on the server of `adminUrl` (any database the role can connect to). */
  static async create(adminUrl: string, prefix = 'scale'): Promise<ScratchDatabase> {
    const database = new ScratchDatabase(adminUrl, `${prefix}_${randomBytes(6).toString('hex')}`);
    await database.run(`CREATE DATABASE ${database.name}`);
    return database;
  }

  /** `adminUrl` pointing at this database. */
  get url(): string {
    return this.urlVia();
  }

  /** The URL of this database reached through another host and port (a proxy in front of the server). */
  urlVia(host?: string, port?: number): string {
    const url = new URL(this.adminUrl);
    url.pathname = `/${this.name}`;
    if (host !== undefined) url.hostname = host;
    if (port !== undefined) url.port = String(port);
    return url.toString();
  }

  /** The server's host and port, for a proxy to forward to. */
  get server(): { host: string; port: number } {
    const url = new URL(this.adminUrl);
    return { host: url.hostname || '127.0.0.1', port: Number(url.port || 5432) };
  }

  /** Drops it even while instances still hold connections to it. */
  async drop(): Promise<void> {
    await this.run(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }

  private async run(statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }
}
