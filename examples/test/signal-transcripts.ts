// The transcript of the "Signals" program and of the "Number Crunching" cures, which print the
// same: the nagging kid, the friends playing, and the orderly shutdown after Ctrl-C.
import { transcript } from './helpers.js';

/** The kid nags until the parent says yes (its own 'Yes, go play' included). */
export const nagging = transcript(`
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Wha!?!
Can I play?
Yes, go play
`);

/** The kid starts building; its friends come over. */
export const playing = transcript(`
Building the Millenium Falcon in Minecraft
Hi, my name is Max
Playing Minecraft
Hi, my name is Lillian
Playing Minecraft
Hi, my name is Thomas
Playing Minecraft
`);

/** The parent's countdown. */
export const countdown = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((n) => `T-minus ${n}`);

/** After Ctrl-C: the countdown, the kid cancelled with its friends, the parent leaving. */
export const orderlyShutdown = [
  "Let's go",
  ...countdown,
  ...transcript(`
We're leaving!
I warned you!
Fine. Saving my work.
Max going home
Lillian going home
Thomas going home
Leaving!
`),
];
