import { readConfig } from './src/server/config.ts';
import { openDatabase } from './src/cli/database.ts';
import { seedAll } from './src/cli/seed.ts';
import { copyPersons } from './bench/simulate.ts';
const db = await openDatabase(readConfig(), () => undefined);
await seedAll(db.pool, { ...readConfig({}), demoPersons: 2000 }, () => undefined);
await copyPersons(db.pool, '430200', '390', Number(process.argv[2] ?? 50000), () => undefined);
await db.close();
