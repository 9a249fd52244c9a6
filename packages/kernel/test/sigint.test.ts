// Ctrl-C (DESIGN §4): SIGINT cancels every task (their finally blocks run), run() rejects
// with KeyboardInterrupt and the process exits with 130; a second SIGINT exits at once.
import { spawn as spawnProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/sigint.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function runChild(
  mode: string,
  sigints: number,
): Promise<{ lines: string[]; code: number | null }> {
  if (!existsSync(dist))
    throw new Error('build @curio/kernel first (pnpm build): the child process runs dist/');
  return new Promise((resolve, reject) => {
    const child = spawnProcess(process.execPath, [fixture, mode], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let sent = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (sent === 0 && out.includes('ready\n')) {
        sent++;
        child.kill('SIGINT');
        if (sigints > 1) {
          const again = () => {
            if (out.includes('finally a\n')) child.kill('SIGINT');
            else setTimeout(again, 5);
          };
          again();
        }
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child hung; output so far:\n${out}`));
    }, 10_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ lines: out.trim().split('\n'), code });
    });
  });
}

test('Ctrl-C runs every finally, rejects run() with KeyboardInterrupt, exits 130', async () => {
  const { lines, code } = await runChild('once', 1);
  expect(lines[0]).toBe('ready');
  expect(new Set(lines.slice(1, 4))).toEqual(new Set(['finally main', 'finally a', 'finally b']));
  expect(lines.slice(4)).toEqual(['run rejected: KeyboardInterrupt']);
  expect(code).toBe(130);
});

test('a second Ctrl-C during shutdown exits at once with 130', async () => {
  const { lines, code } = await runChild('stubborn', 2);
  expect(lines).toContain('finally a');
  expect(lines).not.toContain('run rejected: KeyboardInterrupt');
  expect(code).toBe(130);
});
