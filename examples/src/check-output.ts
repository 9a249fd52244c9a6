// check-output.ts — "Subprocesses": checkOutput() runs a command to its end and resolves to
// its output, or throws a CalledProcessError when the command fails.
//
//   pnpm example check-output
import { run } from '@curio/kernel';
import { CalledProcessError, checkOutput } from '@curio/subprocess';
import { isMain } from './support/is-main.js';

export async function main(args: string[] = ['netstat', '-a']): Promise<Buffer | undefined> {
  try {
    const out = await checkOutput(args);
    return out;
  } catch (e) {
    if (!(e instanceof CalledProcessError)) {
      throw e;
    }
    console.log('It failed!', e.message);
  }
}

if (isMain(import.meta)) {
  await run(main);
}
