#!/usr/bin/env node
// The `gradproof` executable (package.json "bin").
import { main } from './cli.js';

// A reader that stops early (`gradproof derive big.layer | head`) closes the pipe: that
// ends the output, as it does for any Unix tool, rather than an unhandled EPIPE with a
// stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = main(process.argv.slice(2));
