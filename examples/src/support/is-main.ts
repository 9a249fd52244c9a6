/**
 * `isMain(import.meta)`: true when this module is the program being run (`node dist/hello.js`
 * or `pnpm example hello`), false when a test or another example imports it. The examples use
 * it the way Python uses `if __name__ == '__main__':`.
 * @module
 */
import { realpathSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** True when the module whose `import.meta` is given is the entry point of the process. */
export function isMain(meta: ImportMeta): boolean {
  const entry = process.argv[1];
  if (entry === undefined || !meta.url.startsWith('file:')) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(meta.url));
  } catch {
    return false;
  }
}
