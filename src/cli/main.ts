#!/usr/bin/env node
/**
 * The `fanfold` command. `--version` answers before anything else loads; every other command
 * loads the argument parser and then only the modules it uses (cli/commands.ts).
 */
import { VERSION } from '../version.js';

if (process.argv.length === 3 && process.argv[2] === '--version') process.stdout.write(`${VERSION}\n`);
else await (await import('./commands.js')).main();
