import * as L from './_tmp-lib.mjs';
const which = process.argv[2], impl = process.argv[3];
for (const n of [1000, 10000, 30000, 100000]) {
  const t = Date.now();
  const r = await L[which][impl](n);
  console.log(which, impl, n, JSON.stringify(r), r.ms ? (r.ms*1000/n).toFixed(2)+'us' : (r.bytes/n).toFixed(0)+'B', Date.now()-t, 'ms wall');
}
