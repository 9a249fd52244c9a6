// Formatting shared by run.mjs (one run) and aggregate.mjs (median of several runs).

/** Implementations, in table order. */
export const IMPLS = ['curio', 'plain', 'plainAls', 'effection', 'effect'];

export const IMPL_TITLES = {
  curio: 'curio',
  plain: 'plain promises',
  plainAls: 'plain + ALS',
  effection: 'Effection 4',
  effect: 'Effect',
};

export function fmt(value, unit) {
  if (value === undefined) return '—';
  if (unit === 'ns' && value >= 10_000) return fmt(value / 1000, 'µs');
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : value >= 1 ? 2 : 3;
  return `${value.toFixed(digits)} ${unit}`;
}

function ratio(r) {
  return r >= 100 ? `${Math.round(r)}×` : `${r.toFixed(2)}×`;
}

export function table(workloads, results) {
  const impls = IMPLS.filter((k) => Object.values(results).some((r) => r[k]));
  const lines = [
    `| workload | ${impls.map((k) => IMPL_TITLES[k]).join(' | ')} |`,
    `|---|${impls.map(() => '---').join('|')}|`,
  ];
  for (const w of workloads) {
    const r = results[w.key];
    if (!r) continue;
    const base = (results[w.baseline ?? w.key] ?? r).plain?.median;
    const cells = impls.map((k) => {
      const v = r[k]?.median;
      if (v === undefined) return '—';
      if (k === 'plain' || !base) return fmt(v, w.unit);
      return `${fmt(v, w.unit)} (${ratio(v / base)})`;
    });
    lines.push(`| ${w.title} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The targets, checked on one run's (or the aggregated) results. */
export function targets(results) {
  const m = (key, impl) => results[key]?.[impl]?.median;
  const rows = [];
  const check = (label, value, ok, detail) => {
    if (value === undefined || Number.isNaN(value)) return;
    rows.push(`- ${ok ? 'met' : 'MISSED'}: ${label} — ${detail}`);
  };
  const ev = m('eventSwitch', 'curio') / m('eventSwitch', 'plain');
  check(
    'Event ping-pong switch ≤ 1.5× plain promise ping-pong',
    ev,
    ev <= 1.5,
    `${ev.toFixed(2)}×`,
  );
  const sj = m('spawnJoin', 'curio');
  const sjEffect = m('spawnJoin', 'effect');
  if (sj !== undefined && sjEffect !== undefined) {
    check(
      'spawn+join per task faster than Effect fork+join',
      sj,
      sj < sjEffect,
      `${fmt(sj, 'µs')} vs ${fmt(sjEffect, 'µs')}`,
    );
  }
  const cw = m('cancelWait', 'curio');
  check('cancel + wait < 5 µs', cw, cw < 5, fmt(cw, 'µs'));
  const mem = m('idleMemory', 'curio');
  check('≤ 800 bytes of heap per idle task', mem, mem <= 800, fmt(mem, 'B'));
  return rows.join('\n');
}
