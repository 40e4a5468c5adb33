#!/usr/bin/env bash
# Whole-catalogue scale benchmark: imports EVERY service of the pinned English Tencent
# catalogue (tccli-intl-en 3.1.193.1, error codes from tencentcloud-sdk-python-intl-en
# 3.1.193; an example the English edition does not give as JSON is taken from the Chinese
# edition, tccli 3.1.189.1, when its keys match) into a scratch clone of this checkout,
# generates, checks every service crate on its own, and prints one table (paste it into
# BENCHMARKS.md).
#
# Usage: bench/scale.sh            (downloads the two wheels with pip once, into the cache)
# Env:   CATALOGUE_CACHE (default ~/.cache/sdkgen/catalogue), SCALE_TARGET_DIR (cargo target
#        directory of the scratch build; default inside the scratch directory, deleted after),
#        SCALE_KEEP (a directory to keep the per-crate check figures and the logs in).
# Needs: git, pip (first run only), unzip, GNU time (/usr/bin/time). About 15 minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CATALOGUE_CACHE:-$HOME/.cache/sdkgen/catalogue}
services_dir="$cache/tccli/tccli/services"
sdk_dir="$cache/sdk/tencentcloud"
zh_dir="$cache/tccli-zh/tccli/services"
if [ ! -d "$services_dir" ] || [ ! -d "$sdk_dir" ]; then
  mkdir -p "$cache/dl" "$cache/tccli" "$cache/sdk"
  pip download -q --no-deps tccli-intl-en==3.1.193.1 -d "$cache/dl"
  pip download -q --no-deps tencentcloud-sdk-python-intl-en==3.1.193 -d "$cache/dl"
  (cd "$cache/tccli" && unzip -q -o "$cache"/dl/tccli_intl_en-*.whl)
  (cd "$cache/sdk" && unzip -q -o "$cache"/dl/tencentcloud_sdk_python_intl_en-*.whl)
fi
if [ ! -d "$zh_dir" ]; then
  mkdir -p "$cache/dl-zh" "$cache/tccli-zh"
  pip download -q --no-deps tccli==3.1.189.1 -d "$cache/dl-zh"
  (cd "$cache/tccli-zh" && unzip -q -o "$cache"/dl-zh/tccli-*.whl)
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git clone -q "$root" "$scratch/p"
cd "$scratch/p"
export CARGO_TARGET_DIR=${SCALE_TARGET_DIR:-$scratch/target}
# A service crate is compiled the way a downstream crate compiles a dependency: without
# incremental compilation (cargo never compiles registry dependencies incrementally, and the
# incremental session's bookkeeping would add its own cost to a single cold check).
export CARGO_INCREMENTAL=0
timed() { # timed NAME CMD...: runs CMD, records "seconds peak_kb" in $scratch/NAME.time
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$scratch/$name.time" "$@"
}
secs() { cut -d' ' -f1 "$scratch/$1.time"; }
peak_mb() { awk '{printf "%.0f", $2 / 1024}' "$scratch/$1.time"; }

echo "building xtask (release) and the runtime..." >&2
cargo build -q --release -p xtask
xtask="$CARGO_TARGET_DIR/release/xtask"

echo "importing every service..." >&2
timed import "$xtask" import tencent "$services_dir" --errors "$sdk_dir" --examples-fallback "$zh_dir" >"$scratch/import.log" 2>&1 \
  || { tail -n 20 "$scratch/import.log" >&2; exit 1; }
echo "generating..." >&2
timed gen "$xtask" gen >"$scratch/gen.log" 2>&1 || { tail -n 20 "$scratch/gen.log" >&2; exit 1; }
summary=$(tail -n 1 "$scratch/gen.log")
ops=$(grep -oE '\(([0-9]+) operations' <<<"$summary" | tr -dc 0-9)
per_op=$(grep -oE '([0-9]+) per operation' <<<"$summary" | head -n 1 | tr -dc 0-9)
read -r decoded errs invalid undecodable < <(grep -oE 'samples: [0-9]+ decode, [0-9]+ error samples decode as their code, [0-9]+ invalid, [0-9]+ do not decode' <<<"$summary" | grep -oE '[0-9]+' | paste -sd' ')

echo "checking the shared crates once..." >&2
cargo check -q -p generated-protocols
# What every check pays whatever the crate holds (cargo's start-up, rustc loading the
# runtime's metadata): an empty crate on the runtime, in a workspace of its own with the same
# lock file and profile, checked once to build what it lacks, then timed.
echo "timing a check's start-up (an empty crate on the runtime)..." >&2
mkdir -p "$scratch/empty/src"
cat >"$scratch/empty/Cargo.toml" <<TOML
[package]
name = "scale-empty"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
runtime = { path = "$scratch/p/runtime" }

[profile.dev]
debug = "line-tables-only"

[profile.dev.package."*"]
debug = false

[workspace]
TOML
echo "pub use runtime as _runtime;" >"$scratch/empty/src/lib.rs"
cp Cargo.lock "$scratch/empty/"
(cd "$scratch/empty" && cargo check -q)
touch "$scratch/empty/src/lib.rs"
timed empty bash -c "cd '$scratch/empty' && cargo check -q"
echo "checking every service crate on its own..." >&2
: >"$scratch/checks"
for dir in generated/crates/tencent-*/; do
  crate=$(basename "$dir")
  service=${crate#tencent-}
  n=$(find "specs/tencent/$service" -name '*.yaml' ! -name service.yaml ! -name overlay.yaml | wc -l)
  timed check cargo check -q -p "$crate"
  echo "$crate $n $(cat "$scratch/check.time")" >>"$scratch/checks"
done

[ -n "${SCALE_KEEP:-}" ] && mkdir -p "$SCALE_KEEP" && cp "$scratch/checks" "$scratch/import.log" "$scratch/gen.log" "$SCALE_KEEP/"
total_check=$(awk '{s += $3} END {printf "%.1f", s}' "$scratch/checks")
total_ops=$(awk '{n += $2} END {print n}' "$scratch/checks")
read -r big big_ops big_s big_kb < <(sort -k2 -n -r "$scratch/checks" | head -n 1)
read -r worst worst_ops worst_s _ < <(awk '$2 >= 20 {printf "%s %d %s %s %.4f\n", $1, $2, $3, $4, $3 / $2}' "$scratch/checks" | sort -k5 -g -r | head -n 1)
startup=$(secs empty)
# Services above 0.03 s/operation: as measured, and net of the start-up every check pays.
read -r above above20 n20 net_above < <(awk -v f="$startup" '{ if ($3 / $2 > 0.03) a++; if ($2 >= 20) { n++; if ($3 / $2 > 0.03) b++ } if (($3 - f) / $2 > 0.03) c++ } END {print a + 0, b + 0, n + 0, c + 0}' "$scratch/checks")
net_list=$(awk -v f="$startup" '($3 - f) / $2 > 0.03 {printf "%s%s %.3f", sep, $1, ($3 - f) / $2; sep = ", "}' "$scratch/checks")
samples=$((decoded + errs + invalid + undecodable))
aside=$(grep -oE '[0-9]+ decode with values set aside' <<<"$summary" | tr -dc 0-9)

printf '\n| measure | value |\n|---|---|\n'
printf '| services / operations generated | %s / %s |\n' "$(wc -l <"$scratch/checks")" "$ops"
printf '| import (every service) | %s s, peak %s MB |\n' "$(secs import)" "$(peak_mb import)"
printf '| gen | %s s (%s operations/s), peak %s MB |\n' "$(secs gen)" "$(awk -v o="$ops" -v s="$(secs gen)" 'BEGIN {printf "%.0f", o / s}')" "$(peak_mb gen)"
printf '| generated lines per operation (without the catalog) | %s |\n' "$per_op"
printf '| check, every service on its own, total | %s s for %s operations (%.4f s/operation) |\n' "$total_check" "$total_ops" "$(awk -v s="$total_check" -v o="$total_ops" 'BEGIN {print s / o}')"
printf '| check, largest service (%s, %s operations) | %s s (%.4f s/operation), peak %s MB |\n' "$big" "$big_ops" "$big_s" "$(awk -v s="$big_s" -v o="$big_ops" 'BEGIN {print s / o}')" "$((big_kb / 1024))"
printf '| check, slowest per operation (services of 20+ operations) | %s: %s s for %s operations |\n' "$worst" "$worst_s" "$worst_ops"
printf '| check start-up (an empty crate on the runtime) | %s s |\n' "$startup"
printf '| services above 0.03 s/operation | %s of %s as measured (%s of the %s with 20+ operations); net of the start-up: %s (%s) |\n' "$above" "$(wc -l <"$scratch/checks")" "$above20" "$n20" "$net_above" "${net_list:-none}"
printf '| examples decoded / total | %s / %s (%.2f %%): %s success samples (%s of them with values set aside, read tolerantly), %s error samples as their code; not decoded: %s not JSON, %s do not decode |\n' \
  "$((decoded + errs))" "$samples" "$(awk -v d=$((decoded + errs)) -v t="$samples" 'BEGIN {print 100 * d / t}')" "$decoded" "${aside:-0}" "$errs" "$invalid" "$undecodable"
echo
echo "import: $(tail -n 1 "$scratch/import.log")"
echo "gen: $summary"
