#!/usr/bin/env bash
# Build cost of depending on maiagent, measured against async-openai (issue 13, "Build cost").
#
# Two hello-world binaries are created in a temporary directory:
#   * `with-maiagent`: `maiagent` with its default features, as a user gets it from crates.io
#     (a path dependency on the crate that `cargo package` produces, not on the source tree);
#   * `with-async-openai`: `async-openai` 0.43 with its default features and `chat-completion`.
# Dependencies are resolved and downloaded first (not timed). Then each binary gets a clean
# debug `cargo build -j $JOBS` with a fresh target directory of its own, interleaved, for $ROUNDS
# rounds (the order alternates between rounds). The script prints, for each build, the load
# average before it, the wall-clock time and the CPU time (user + system of cargo and every
# compiler it ran), then the ratios maiagent / async-openai of the sums over the rounds. On a
# machine shared with other builds the wall-clock time mostly measures the others; the CPU time
# is what the build itself costs.
#
# Usage: benches/build_cost.sh            (ROUNDS=2 JOBS=2 by default)
#        MAIAGENT_DIR=/path/to/maiagent benches/build_cost.sh   (skip packaging, use that tree)
# Figures depend on the machine and its load: compare runs made side by side, not across days.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${ROUNDS:-2}"
jobs="${JOBS:-2}"
openai_version="${ASYNC_OPENAI_VERSION:-0.43}"
work="$(mktemp -d "${TMPDIR:-/tmp}/maiagent-build-cost.XXXXXX")"
trap 'rm -rf "$work"' EXIT
unset RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER RUSTFLAGS CARGO_ENCODED_RUSTFLAGS

if [[ -z "${MAIAGENT_DIR:-}" ]]; then
    version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"
    package_target="${CARGO_TARGET_DIR:-$root/target}"
    echo "packaging maiagent $version (not timed)"
    (cd "$root" && cargo package --quiet --no-verify --allow-dirty -p maiagent)
    tar -xzf "$package_target/package/maiagent-$version.crate" -C "$work"
    MAIAGENT_DIR="$work/maiagent-$version"
fi

new_crate() { # name, dependency line, main body
    mkdir -p "$work/$1/src"
    cat >"$work/$1/Cargo.toml" <<EOF
[package]
name = "$1"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$2

[workspace]
EOF
    printf 'fn main() {\n    println!("{}", std::any::type_name::<%s>());\n}\n' "$3" \
        >"$work/$1/src/main.rs"
}
new_crate with-maiagent "maiagent = { path = \"$MAIAGENT_DIR\" }" "maiagent::Client"
new_crate with-async-openai \
    "async-openai = { version = \"$openai_version\", features = [\"chat-completion\"] }" \
    "async_openai::Client<async_openai::config::OpenAIConfig>"

for name in with-maiagent with-async-openai; do
    (cd "$work/$name" && cargo fetch --quiet)
done

declare -A wall=([with-maiagent]=0 [with-async-openai]=0) cpu=([with-maiagent]=0 [with-async-openai]=0)
seconds() { printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000)); }
measure() { # name, round
    local dir="$work/$1" target="$work/target-$1" start end ms cpu_ms
    rm -rf "$target"
    printf 'round %s  %-18s load %s  ' "$2" "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"
    start=$(date +%s%N)
    cpu_ms=$(
        cd "$dir"
        TIMEFORMAT='%3U %3S'
        { time cargo build --quiet --offline -j "$jobs" --target-dir "$target" 2>&3; } 3>&2 2>&1 |
            awk '{ printf "%d", ($1 + $2) * 1000 }'
    )
    end=$(date +%s%N)
    ms=$(((end - start) / 1000000))
    wall[$1]=$((wall[$1] + ms))
    cpu[$1]=$((cpu[$1] + cpu_ms))
    printf 'wall %s  cpu %s\n' "$(seconds "$ms")" "$(seconds "$cpu_ms")"
}
echo "clean debug builds, -j $jobs, $rounds rounds, $(nproc) CPUs"
for round in $(seq 1 "$rounds"); do
    if ((round % 2)); then order=(with-maiagent with-async-openai); else order=(with-async-openai with-maiagent); fi
    for name in "${order[@]}"; do measure "$name" "$round"; done
done
ratio() { awk -v m="$1" -v o="$2" 'BEGIN { printf "%.2f", m / o }'; }
echo "sums over $rounds rounds:"
echo "  maiagent (default features):          wall $(seconds "${wall[with-maiagent]}")  cpu $(seconds "${cpu[with-maiagent]}")"
echo "  async-openai $openai_version (chat-completion):  wall $(seconds "${wall[with-async-openai]}")  cpu $(seconds "${cpu[with-async-openai]}")"
echo "ratio maiagent / async-openai: wall $(ratio "${wall[with-maiagent]}" "${wall[with-async-openai]}")  cpu $(ratio "${cpu[with-maiagent]}" "${cpu[with-async-openai]}")"
