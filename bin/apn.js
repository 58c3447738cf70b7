#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI through tsx so `npx apn` works from a fresh clone without a build step. It calls the
// exported `run` instead of relying on the module to start itself: under npx, process.argv[1] is a `.bin/apn`
// symlink in npm's cache, so no check of the executable's path can be trusted to recognise the CLI.
const { register } = require('tsx/cjs/api');
register();
void require('../src/cli/main.ts').run(process.argv);
