#!/usr/bin/env node
// The executable runs the compiled CLI (npm run build, done by npm install/ci through "prepare").
import { hideBin } from 'yargs/helpers';
import { main } from '../dist/cli/main.js';

await main(hideBin(process.argv));
