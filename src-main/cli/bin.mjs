#!/usr/bin/env node
// The `reverie` command (package.json "bin"). Plain JS: it registers tsx so the TypeScript CLI runs
// straight from the source tree, then hands over to main.ts.
import { register } from 'tsx/esm/api';

register();
// `reverie samplers | head` closes stdout early: that is not an error
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
