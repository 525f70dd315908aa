#!/usr/bin/env bash
# The README's test command: sets up what the tests need on a fresh Debian machine
# (Redis, the official MCP Python SDK), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Redis: the Redis-backed tests use REDIS_URL (default redis://127.0.0.1:6379/).
if ! command -v redis-server >/dev/null 2>&1; then
  echo "== installing redis-server"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server;
  else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server; fi
fi
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/}"
if ! redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
  echo "== starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
redis-cli -u "$REDIS_URL" ping >/dev/null

# The official MCP Python SDK, in a venv under target/ (ignored by git).
VENV=target/mcp-venv
if ! "$VENV/bin/python" -c "import mcp" >/dev/null 2>&1; then
  echo "== installing the MCP Python SDK into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "mcp==2.3.0"
fi

# Vendors' official OpenAPI descriptions (the contract tests validate requests against
# them): beside the repository (../shared/specs), else the workspace's copy.
for specs in "$PWD/../shared/specs" /work/shared/specs; do
  if [ -f "$specs/github/api.github.com.json" ]; then
    export GITHUB_REST_OPENAPI="${GITHUB_REST_OPENAPI:-$specs/github/api.github.com.json}"
    export SLACK_WEB_OPENAPI="${SLACK_WEB_OPENAPI:-$specs/slack/slack_web_openapi_v2.json}"
    break
  fi
done

echo "== cargo test"
cargo test --workspace --locked

echo "== official MCP clients against a running bridge"
cargo build --locked -p bridge-fleet
"$VENV/bin/python" scripts/mcp_clients.py target/debug/bridge
echo "== all tests passed"
