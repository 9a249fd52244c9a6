import * as L from './_tmp-lib.mjs';
const which = process.argv[2], impl = process.argv[3], n = Number(process.argv[4]), reps = Number(process.argv[5] ?? 5);
for (let i = 0; i < reps; i++) {
  globalThis.gc();
  const r = await L[which][impl](n);
  console.log(which, impl, n, r.ms ? (r.ms*1000/n).toFixed(2)+'us' : (r.bytes/n).toFixed(0)+'B', JSON.stringify(process.memoryUsage().heapUsed/1e6|0));
}
