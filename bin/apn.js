#!/usr/bin/env node
'use strict';
// Runs the TypeScript CLI through tsx so `npx apn` works from a fresh clone without a build step.
const { register } = require('tsx/cjs/api');
register();
require('../src/cli/main.ts');
