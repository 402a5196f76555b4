import { openTestDb } from '/work/main/hub/src/testing/support.ts';
const t = await openTestDb('postgres');
console.log('ok');
await t.close();
