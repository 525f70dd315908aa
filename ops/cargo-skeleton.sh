#!/bin/sh
# Copies the workspace's manifests (every Cargo.toml, Cargo.lock, rust-toolchain files)
# from SRC to DEST and gives every crate stub sources, so that `cargo build` in DEST
# compiles exactly the dependencies of the real workspace and nothing of our own code.
# The Dockerfile builds that skeleton in its own layer: the layer is rebuilt only when a
# manifest or the lockfile changes, not on every source edit (cargo-chef's idea, with no
# tool to download). scripts/check-ops.sh runs it too and checks the result with cargo.
#
# usage: ops/cargo-skeleton.sh SRC DEST
set -eu
src=$1
dest=$2
mkdir -p "$dest"
cd "$src"
for top in Cargo.lock rust-toolchain rust-toolchain.toml .cargo/config.toml; do
    if [ -f "$top" ]; then
        mkdir -p "$dest/$(dirname "$top")"
        cp "$top" "$dest/$top"
    fi
done
# Every manifest outside target/ and hidden folders, in a stable order.
find . -name Cargo.toml -not -path './target/*' -not -path './.*/*' | LC_ALL=C sort |
while read -r manifest; do
    dir=$(dirname "$manifest")
    mkdir -p "$dest/$dir"
    cp "$manifest" "$dest/$manifest"
    # Library and binary roots cargo discovers by convention, where the crate has them.
    if [ -f "$dir/src/lib.rs" ]; then
        mkdir -p "$dest/$dir/src"
        : > "$dest/$dir/src/lib.rs"
    fi
    if [ -f "$dir/src/main.rs" ]; then
        mkdir -p "$dest/$dir/src"
        echo 'fn main() {}' > "$dest/$dir/src/main.rs"
    fi
    # Targets found by convention (also those declared by name only, e.g. a [[bench]]
    # with harness = false): tests, benches, examples and extra binaries.
    if grep -q '^\[package\]' "$manifest"; then
        for target in "$dir"/tests/*.rs "$dir"/tests/*/main.rs "$dir"/benches/*.rs \
            "$dir"/benches/*/main.rs "$dir"/examples/*.rs "$dir"/examples/*/main.rs \
            "$dir"/src/bin/*.rs "$dir"/src/bin/*/main.rs; do
            [ -f "$target" ] || continue
            mkdir -p "$dest/$(dirname "$target")"
            echo 'fn main() {}' > "$dest/$target"
        done
    fi
    # Targets declared with an explicit path ([[bin]], [[test]], [[bench]], [lib]).
    sed -n 's/^[[:space:]]*path[[:space:]]*=[[:space:]]*"\([^"]*\.rs\)".*/\1/p' "$manifest" |
    while read -r target; do
        mkdir -p "$dest/$dir/$(dirname "$target")"
        case "$target" in
            */lib.rs) : > "$dest/$dir/$target" ;;
            *) echo 'fn main() {}' > "$dest/$dir/$target" ;;
        esac
    done
done
