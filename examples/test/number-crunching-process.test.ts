// "Number Crunching and Blocking Operations": with runInProcess() the kid's computation no
// longer blocks the kernel (see responsive-kid.ts).
import { beforeAll, test } from 'vitest';
import { buildExamples } from './child.js';
import { expectResponsiveKid } from './responsive-kid.js';

beforeAll(buildExamples, 60_000);

test('number-crunching-process: the kernel stays responsive; cancelling kills the work', async () => {
  await expectResponsiveKid('number-crunching-process');
});
