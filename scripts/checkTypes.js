// Runs `tsc --noEmit` once per layer so each layer is checked against its own lib/types (house style: per-folder tsconfig).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const tsc = require.resolve('typescript/bin/tsc');
const projects = ['common', 'protocol', 'core', 'sidecar', 'cli', 'extension', 'webview']
	.map((layer) => path.join('src', layer, 'tsconfig.json'))
	.concat(['test/tsconfig.json'])
	.filter((p) => fs.existsSync(p));
let failed = false;
for (const project of projects) {
	try {
		execFileSync(process.execPath, [tsc, '-p', project, '--noEmit'], { stdio: 'inherit' });
		console.log(`check-types: ${project} ok`);
	} catch {
		failed = true;
		console.error(`check-types: ${project} FAILED`);
	}
}
process.exit(failed ? 1 : 0);
