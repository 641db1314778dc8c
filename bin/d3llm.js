#!/usr/bin/env node
// `d3llm` command line: runs the bundled CLI (build it first with `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(bundle)) {
	console.error('d3llm: dist/cli.js is missing; run `npm run build` first.');
	process.exit(2);
}
require(bundle);
