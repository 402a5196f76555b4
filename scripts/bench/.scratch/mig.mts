import { testConfig } from '/work/main/hub/src/testing/support.ts';
import { openDatabase } from '/work/main/hub/src/db/connect.ts';
const { config, cleanup } = testConfig('postgres');
const a = await openDatabase(config.database);
console.log('a ok');
try { const b = await openDatabase(config.database); console.log('b ok'); await b.close(); } catch (e) { console.log('b failed', (e as any).cause ?? e); }
await a.close(); await cleanup();
