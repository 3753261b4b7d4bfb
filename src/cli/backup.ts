import { readConfig } from '../server/config.ts';
import { BackupError, backupDatabase, restoreDatabase } from '../store/backup.ts';
import { maintenanceDatabase } from './database.ts';

// `yibao backup FILE` and `yibao restore FILE` (docs/operations.md "Backup and restore"). The
// backup runs beside a serving platform (it connects to the embedded server `yibao serve` has
// up, or to DATABASE_URL); the restore goes into an empty database only: a new YIBAO_DATA_DIR,
// or a new database named by DATABASE_URL.

const log = (line: string): void => console.error(`[yibao] ${line}`);

function fileArg(command: string, args: readonly string[]): string {
  const file = args.find((a) => !a.startsWith('-'));
  if (!file || args.length !== 1) throw new BackupError(`用法：yibao ${command} 文件`, `usage: yibao ${command} FILE`);
  return file;
}

async function withDatabase(work: (pool: Awaited<ReturnType<typeof maintenanceDatabase>>['pool']) => Promise<unknown>): Promise<void> {
  const db = await maintenanceDatabase(readConfig(), log);
  try {
    const report = await work(db.pool);
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await db.close();
  }
}

export async function backupCommand(args: string[]): Promise<void> {
  const file = fileArg('backup', args);
  await withDatabase((pool) => backupDatabase(pool, file, log));
}

export async function restoreCommand(args: string[]): Promise<void> {
  const file = fileArg('restore', args);
  await withDatabase((pool) => restoreDatabase(pool, file, log));
}
