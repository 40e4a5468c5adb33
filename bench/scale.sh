#!/usr/bin/env bash
# Whole-catalogue scale benchmark: imports EVERY service of one vendor's pinned catalogue into
# a scratch clone of this checkout, generates, checks every service crate of that vendor on
# its own (timing `cargo check -p`, and the crate's rustc invocation alone, which is what the
# service adds to a downstream build), fits the per-crate and per-operation parts of rustc's
# time, and prints one table (paste it into BENCHMARKS.md).
#
# Catalogues:
#   tencent (default): the English Tencent catalogue (tccli-intl-en 3.1.193.1, error codes
#     from tencentcloud-sdk-python-intl-en 3.1.193; an example the English edition does not
#     give as JSON is taken from the Chinese edition, tccli 3.1.189.1, when its keys match).
#   huawei: every `huaweicloudsdk<service>` 3.1.219 package `huaweicloudsdkall` 3.1.219 requires.
#   ucloud: every service of `ucloud-sdk-python3` 0.11.150 (all of them are committed too).
#
# Usage: bench/scale.sh [tencent|huawei|ucloud]   (downloads the wheels with pip once, into the cache)
# Env:   CATALOGUE_CACHE (default ~/.cache/sdkgen/catalogue), SCALE_TARGET_DIR (cargo target
#        directory of the scratch build; default inside the scratch directory, deleted after),
#        SCALE_KEEP (a directory to keep the per-crate check figures and the logs in).
# Needs: git, pip (first run only), unzip, GNU time (/usr/bin/time). About 15 minutes on 2
# cores for Tencent, 25 for Huawei.
set -euo pipefail
vendor=${1:-tencent}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CATALOGUE_CACHE:-$HOME/.cache/sdkgen/catalogue}
case "$vendor" in
  tencent)
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
    import_args=(tencent "$services_dir" --errors "$sdk_dir" --examples-fallback "$zh_dir")
    ;;
  huawei)
    hw="$cache/huawei-3.1.219"
    if [ ! -f "$hw/site/.complete" ]; then
      mkdir -p "$hw/dl" "$hw/site"
      pip download -q --no-deps huaweicloudsdkall==3.1.219 -d "$hw/dl"
      # The packages `huaweicloudsdkall` requires (its METADATA's Requires-Dist), each pinned.
      unzip -p "$hw"/dl/huaweicloudsdkall-3.1.219-*.whl '*.dist-info/METADATA' \
        | sed -nE 's/^Requires-Dist: (huaweicloudsdk[a-z0-9]+).*/\1/p' | sort -u >"$hw/pkgs.txt"
      while read -r pkg; do
        [ -n "$(ls "$hw/dl/$pkg"-3.1.219-*.whl 2>/dev/null)" ] || pip download -q --no-deps "$pkg==3.1.219" -d "$hw/dl"
      done <"$hw/pkgs.txt"
      for whl in "$hw"/dl/*.whl; do (cd "$hw/site" && unzip -q -o "$whl"); done
      touch "$hw/site/.complete"
    fi
    import_args=(huawei "$hw/site")
    ;;
  ucloud)
    uc="$cache/ucloud-0.11.150"
    if [ ! -d "$uc/site/ucloud/services" ]; then
      mkdir -p "$uc/dl" "$uc/site"
      pip download -q --no-deps ucloud-sdk-python3==0.11.150 -d "$uc/dl"
      (cd "$uc/site" && unzip -q -o "$uc"/dl/ucloud_sdk_python3-0.11.150-*.whl)
    fi
    import_args=(ucloud "$uc/site")
    ;;
  *) echo "usage: bench/scale.sh [tencent|huawei|ucloud]" >&2; exit 2 ;;
esac

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
timed import "$xtask" import "${import_args[@]}" >"$scratch/import.log" 2>&1 \
  || { tail -n 20 "$scratch/import.log" >&2; exit 1; }
echo "generating..." >&2
timed gen "$xtask" gen >"$scratch/gen.log" 2>&1 || { tail -n 20 "$scratch/gen.log" >&2; exit 1; }
summary=$(tail -n 1 "$scratch/gen.log")
read -r largest_lines largest_file < <(find generated -name '*.rs' -exec wc -l {} + | grep -v ' total$' | sort -n -r | head -n 1)
ops=$(grep -oE '\(([0-9]+) operations' <<<"$summary" | tr -dc 0-9)
per_op=$(grep -oE '([0-9]+) per operation' <<<"$summary" | head -n 1 | tr -dc 0-9)
read -r decoded errs invalid undecodable < <(grep -oE 'samples: [0-9]+ decode, [0-9]+ error samples decode as their code, [0-9]+ invalid, [0-9]+ do not decode' <<<"$summary" | grep -oE '[0-9]+' | paste -sd' ')

# Each service crate's rustc is timed on its own as well (a wrapper times the invocation
# whose crate name is $SCALE_TIME_CRATE): in a downstream build, cargo starts once and runs
# one rustc per dependency, so rustc's time is what a service adds to a build; `cargo check
# -p` here also pays cargo's start-up on this 150-crate workspace every time.
cat >"$scratch/rustc-timer" <<'SH'
#!/usr/bin/env bash
rustc=$1
shift
case " $* " in
  *" --crate-name ${SCALE_TIME_CRATE:-} "*) exec /usr/bin/time -f "%e %M" -o "$SCALE_TIME_OUT" "$rustc" "$@" ;;
  *) exec "$rustc" "$@" ;;
esac
SH
chmod +x "$scratch/rustc-timer"
export RUSTC_WRAPPER="$scratch/rustc-timer" SCALE_TIME_OUT="$scratch/rustc.time"
echo "checking the shared crates once..." >&2
cargo check -q -p generated-protocols
# rustc's floor: a crate with a service crate's dependencies and nothing of its own.
mkdir -p generated/crates/floor-empty/src
cat >generated/crates/floor-empty/Cargo.toml <<'TOML'
[package]
name = "floor-empty"
version = "0.1.0"
edition.workspace = true
publish = false

[dependencies]
runtime.workspace = true
serde.workspace = true
generated-protocols = { path = "../protocols" }
TOML
printf '//! Nothing but the dependencies.\nuse generated_protocols as _;\nuse runtime as _;\nuse serde as _;\n' >generated/crates/floor-empty/src/lib.rs
rm -f "$scratch/rustc.time"
SCALE_TIME_CRATE=floor_empty cargo check -q -p floor-empty
empty_s=$(cut -d' ' -f1 "$scratch/rustc.time")
echo "checking every service crate on its own..." >&2
: >"$scratch/checks"
for dir in generated/crates/"$vendor"-*/; do
  crate=$(basename "$dir")
  service=${crate#"$vendor"-}
  service=${service//-/_} # the crate name's hyphens are the spec directory's underscores
  n=$(find "specs/$vendor/$service" -name '*.yaml' ! -name service.yaml ! -name overlay.yaml ! -path '*/samples/*' | wc -l)
  rm -f "$scratch/rustc.time"
  SCALE_TIME_CRATE=${crate//-/_} timed check cargo check -q -p "$crate"
  [ -s "$scratch/rustc.time" ] || { echo "warning: no rustc run was timed for $crate (left out)" >&2; continue; }
  # crate, operations, cargo check seconds and peak KB, rustc seconds and peak KB, named types
  [ "$n" -gt 0 ] || { echo "warning: $crate has no operation spec (left out)" >&2; continue; }
  types=$(find "$dir/src" -path '*/types/*.rs' ! -name mod.rs | wc -l)
  echo "$crate $n $(cat "$scratch/check.time") $(cat "$scratch/rustc.time") $types" >>"$scratch/checks"
done

[ -n "${SCALE_KEEP:-}" ] && mkdir -p "$SCALE_KEEP" && cp "$scratch/checks" "$scratch/import.log" "$scratch/gen.log" "$SCALE_KEEP/"
total_check=$(awk '{s += $3} END {printf "%.1f", s}' "$scratch/checks")
total_rustc=$(awk '{s += $5} END {printf "%.1f", s}' "$scratch/checks")
total_ops=$(awk '{n += $2} END {print n}' "$scratch/checks")
read -r big big_ops big_s _ big_rustc big_kb _ < <(sort -k2 -n -r "$scratch/checks" | head -n 1)
read -r worst worst_ops worst_s _ < <(awk '$2 >= 20 {printf "%s %d %s %.4f\n", $1, $2, $5, $5 / $2}' "$scratch/checks" | sort -k4 -g -r | head -n 1)
# rustc's time per service crate, fitted over every service (least squares): a part every
# crate pays (rustc's start-up, the client, the error enum) and a part per operation.
read -r fixed per_op_fit < <(awk '{n++; sx += $2; sy += $5; sxx += $2 * $2; sxy += $2 * $5} END {b = (n * sxy - sx * sy) / (n * sxx - sx * sx); printf "%.3f %.4f\n", (sy - b * sx) / n, b}' "$scratch/checks")
# Services above 0.03 s/operation (rustc alone): as measured, and after the fitted per-crate part.
read -r above above20 n20 net_above < <(awk -v f="$fixed" '{ if ($5 / $2 > 0.03) a++; if ($2 >= 20) { n++; if ($5 / $2 > 0.03) b++ } if (($5 - f) / $2 > 0.03) c++ } END {print a + 0, b + 0, n + 0, c + 0}' "$scratch/checks")
net_list=$(awk -v f="$fixed" '($5 - f) / $2 > 0.03 {printf "%s %d %.3f\n", $1, $2, ($5 - f) / $2}' "$scratch/checks" | sort -k3 -g -r | awk '{printf "%s%s (%d) %s", sep, $1, $2, $3; sep = ", "}')
# What no service crate goes below with what every one implements (client, error enum,
# derives): the fastest one-operation service crate. A service of n operations whose n * 0.03 s
# is under that floor cannot meet 0.03 s/operation; the rest above the target are listed with
# their named types.
floor1=$(awk '$2 == 1 {print $5}' "$scratch/checks" | sort -g | head -n 1)
read -r below_floor < <(awk -v f="${floor1:-0}" '$5 / $2 > 0.03 && $2 * 0.03 < f {c++} END {print c + 0}' "$scratch/checks")
rest_list=$(awk -v f="${floor1:-0}" '$5 / $2 > 0.03 && $2 * 0.03 >= f {printf "%s %d %d %.3f\n", $1, $2, $7, $5 / $2}' "$scratch/checks" | sort -k4 -g -r | awk '{printf "%s%s (%d operations, %d types) %s", sep, $1, $2, $3, $4; sep = ", "}')
samples=$((decoded + errs + invalid + undecodable))
aside=$(grep -oE '[0-9]+ decode with values set aside' <<<"$summary" | tr -dc 0-9)

printf '\n| measure | value |\n|---|---|\n'
printf '| services / operations generated | %s / %s |\n' "$(wc -l <"$scratch/checks")" "$ops"
printf '| import (every service) | %s s, peak %s MB |\n' "$(secs import)" "$(peak_mb import)"
printf '| gen | %s s (%s operations/s), peak %s MB |\n' "$(secs gen)" "$(awk -v o="$ops" -v s="$(secs gen)" 'BEGIN {printf "%.0f", o / s}')" "$(peak_mb gen)"
printf '| generated lines per operation (without the catalog) | %s; largest generated file %s lines (`%s`) |\n' "$per_op" "$largest_lines" "$largest_file"
printf '| check, every service on its own, total | %s s for %s operations (%.4f s/operation) with `cargo check -p`; rustc alone %s s (%.4f s/operation) |\n' "$total_check" "$total_ops" "$(awk -v s="$total_check" -v o="$total_ops" 'BEGIN {print s / o}')" "$total_rustc" "$(awk -v s="$total_rustc" -v o="$total_ops" 'BEGIN {print s / o}')"
printf '| check, largest service (%s, %s operations) | %s s with cargo; rustc alone %s s (%.4f s/operation), peak %s MB |\n' "$big" "$big_ops" "$big_s" "$big_rustc" "$(awk -v s="$big_rustc" -v o="$big_ops" 'BEGIN {print s / o}')" "$((big_kb / 1024))"
printf '| check, slowest per operation (services of 20+ operations, rustc alone) | %s: %s s for %s operations |\n' "$worst" "$worst_s" "$worst_ops"
printf '| rustc per service crate, fitted over every service | %s s per crate + %s s per operation |\n' "$fixed" "$per_op_fit"
printf '| services above 0.03 s/operation (rustc alone) | %s of %s (%s of the %s with 20+ operations); after the fitted per-crate part: %s (%s) |\n' "$above" "$(wc -l <"$scratch/checks")" "$above20" "$n20" "$net_above" "${net_list:-none}"
printf '| floor of a check (rustc alone) | %s s for a crate of the same dependencies and nothing else; %s s for the fastest one-operation service crate, so a service of fewer than %s operations cannot reach 0.03 s/operation: %s of the services above |\n' "$empty_s" "${floor1:-?}" "$(awk -v f="${floor1:-0}" 'BEGIN {printf "%d", f / 0.03 + 0.999}')" "$below_floor"
printf '| services above 0.03 s/operation that the floor does not explain | %s |\n' "${rest_list:-none}"
printf '| examples decoded / total | %s / %s (%.2f %%): %s success samples (%s of them with values set aside, read tolerantly), %s error samples as their code; not decoded: %s not JSON, %s do not decode |\n' \
  "$((decoded + errs))" "$samples" "$(awk -v d=$((decoded + errs)) -v t="$samples" 'BEGIN {print 100 * d / t}')" "$decoded" "${aside:-0}" "$errs" "$invalid" "$undecodable"
echo
echo "import: $(tail -n 1 "$scratch/import.log")"
refused=$(grep -c '^refused: ' "$scratch/import.log" || true)
[ "$refused" -eq 0 ] || echo "refused operations: $refused, each listed in the import log (SCALE_KEEP keeps it)"
echo "gen: $summary"
