// ping.ts — "Subprocesses": watch the output of `ping` as it comes. Popen starts the command
// with its stdout on a pipe, and the pipe is a stream: `for await` reads it line by line,
// while other tasks go on running.
//
//   pnpm example ping [host]                    (default: www.python.org; Ctrl-C to stop)
import { run } from '@curio/kernel';
import { PIPE, Popen } from '@curio/subprocess';
import { isMain } from './support/is-main.js';

export async function main(args: string[] = ['ping', 'www.python.org']): Promise<void> {
  const p = new Popen(args, { stdout: PIPE });
  for await (const line of p.stdout!) {
    console.log('Got:', line.toString('ascii').replace(/\n$/, ''));
  }
}

if (isMain(import.meta)) {
  const [host = 'www.python.org'] = process.argv.slice(2);
  await run(main, ['ping', host]);
}
