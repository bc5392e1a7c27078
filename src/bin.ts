#!/usr/bin/env node
// The `gradproof` executable (package.json "bin").
import { main } from './cli.js';

process.exitCode = main(process.argv.slice(2));
