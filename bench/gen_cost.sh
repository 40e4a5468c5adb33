#!/usr/bin/env bash
# Generator and compile cost per operation: ours next to one aws-sdk-rust service crate.
#
#   bash bench/gen_cost.sh        # from the repo root; BENCHMARKS.md records a run
#
# Ours: `cargo xtask gen` wall time (best of 5, the xtask binary already built), generated
# lines per operation (from gen's summary line), and `cargo check` of the generated crate
# (dependencies already built) per operation, best of 3, two ways:
# The check is of one service crate, $OURS_CRATE (default tencent-cdb, 165 operations):
#   - touch: `touch` its lib.rs then check (rustc's incremental cache helps);
#   - scratch: `cargo clean -p` it then check with CARGO_INCREMENTAL=0, which is how
#     cargo always builds a registry crate, so it is the like-for-like figure next to aws.
# AWS: a throwaway project under $AWS_DIR (default /tmp/sdkgen-aws-cost, never committed)
# depending on $AWS_CRATE $AWS_VERSION (default aws-sdk-sts =1.124.0, pinned so the figure
# reproduces); its source lines and operation modules are counted, and
# `cargo clean -p $AWS_CRATE && cargo check` is timed (best of 3). smithy-rs generates in
# Gradle, so aws has no gen time ("n/a").
#
# Safety: gen must leave generated/ as it is, so the script stops first if
# `cargo xtask gen --check` reports drift. It rewrites generated/ with identical content
# (new mtimes) and cleans the generated crate's artifacts in the target directory.
set -euo pipefail

if [[ ! -f bench/gen_cost.sh || ! -d generated ]]; then
  echo "run from the repository root: bash bench/gen_cost.sh" >&2
  exit 2
fi
OURS_CRATE=${OURS_CRATE:-tencent-cdb}
AWS_DIR=${AWS_DIR:-/tmp/sdkgen-aws-cost}
AWS_CRATE=${AWS_CRATE:-aws-sdk-sts}
AWS_VERSION=${AWS_VERSION:-=1.124.0}

now_ns() { date +%s%N; }

# best_of N CMD...: the fastest wall time of N runs of CMD, in seconds (output discarded).
best_of() {
  local n=$1 best="" start end t
  shift
  for ((i = 0; i < n; i++)); do
    start=$(now_ns)
    "$@" >/dev/null 2>&1
    end=$(now_ns)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    if [[ -z $best ]] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
      best=$t
    fi
  done
  echo "$best"
}

div() { awk -v a="$1" -v b="$2" -v f="${3:-%.3f}" 'BEGIN { printf f, a / b }'; }

echo "== machine: $(nproc) cores, $(rustc --version), $(cargo --version)"

# --- ours -------------------------------------------------------------------------------
echo "== ours: building xtask and checking generated/ is in step with specs/"
cargo xtask gen --check
target_dir=$(cargo metadata --format-version 1 --no-deps |
  grep -o '"target_directory":"[^"]*"' | sed 's/.*:"//; s/"$//')
xtask="$target_dir/debug/xtask"
[[ -x $xtask ]] || { echo "no xtask binary at $xtask" >&2; exit 1; }

summary=$("$xtask" gen)
echo "$summary"
ops=$(sed -n 's/.*(\([0-9]*\) operations).*/\1/p' <<<"$summary")
lines_per_op=$(sed -n 's/.*generated lines (\([0-9]*\) per operation.*/\1/p' <<<"$summary")
[[ -n $ops && -n $lines_per_op ]] || { echo "cannot parse gen's summary" >&2; exit 1; }
gen_s=$(best_of 5 "$xtask" gen)
echo "gen: best of 5 ${gen_s} s ($xtask)"

crate_ops=$(grep -rl "pub(crate) mod glue" "generated/crates/$OURS_CRATE/src" | wc -l)
echo "== ours: cargo check -p $OURS_CRATE, $crate_ops operations (dependencies first)"
cargo check -p "$OURS_CRATE" --quiet
CARGO_INCREMENTAL=0 cargo check -p "$OURS_CRATE" --quiet
touch_check() {
  touch "generated/crates/$OURS_CRATE/src/lib.rs"
  cargo check -p "$OURS_CRATE"
}
scratch_check() {
  cargo clean -p "$OURS_CRATE" --quiet
  CARGO_INCREMENTAL=0 cargo check -p "$OURS_CRATE"
}
touch_s=$(best_of 3 touch_check)
scratch_s=$(best_of 3 scratch_check)
echo "check: touch best of 3 ${touch_s} s, scratch best of 3 ${scratch_s} s"

# --- aws-sdk-rust -------------------------------------------------------------------------
echo "== aws: throwaway project $AWS_DIR depending on $AWS_CRATE $AWS_VERSION"
mkdir -p "$AWS_DIR/src"
cat >"$AWS_DIR/Cargo.toml" <<EOF
[package]
name = "sdkgen-aws-cost"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
$AWS_CRATE = { version = "$AWS_VERSION", default-features = false }

[workspace]
EOF
echo "// Throwaway: only there to build $AWS_CRATE." >"$AWS_DIR/src/lib.rs"
(cd "$AWS_DIR" && cargo check --quiet)
manifest=$(cd "$AWS_DIR" && cargo metadata --format-version 1 |
  grep -o "\"manifest_path\":\"[^\"]*/$AWS_CRATE-[0-9][^\"]*/Cargo.toml\"" |
  head -n1 | sed 's/.*:"//; s/"$//')
aws_src=$(dirname "$manifest")/src
aws_ver=$(basename "$(dirname "$manifest")")
aws_ops=$(find "$aws_src/operation" -mindepth 1 -maxdepth 1 -type d | wc -l)
aws_lines=$(find "$aws_src" -name '*.rs' -print0 | xargs -0 cat | wc -l)
aws_lines_per_op=$(div "$aws_lines" "$aws_ops" %.0f)
aws_check() { (cd "$AWS_DIR" && cargo clean -p "$AWS_CRATE" --quiet && cargo check); }
aws_s=$(best_of 3 aws_check)
echo "$aws_ver: $aws_ops operations, $aws_lines lines in src/, check best of 3 ${aws_s} s"

# --- table --------------------------------------------------------------------------------
ours_scratch_op=$(div "$scratch_s" "$crate_ops")
ours_touch_op=$(div "$touch_s" "$crate_ops")
aws_op=$(div "$aws_s" "$aws_ops")
echo
printf '%-30s %12s %10s %22s %20s\n' "" "gen s" "lines/op" "check s/op (scratch)" "check s/op (touch)"
printf '%-30s %12s %10s %22s %20s\n' "ours ($ops ops; check: $OURS_CRATE)" "$gen_s" "$lines_per_op" "$ours_scratch_op" "$ours_touch_op"
printf '%-30s %12s %10s %22s %20s\n' "$aws_ver ($aws_ops ops)" "n/a" "$aws_lines_per_op" "$aws_op" "n/a"
echo
echo "d. generator: gen ${gen_s} s for $ops operations ($(div "$gen_s" "$ops") s/op); aws: n/a (smithy-rs runs in Gradle)"
echo "d. lines/op (ours / $aws_ver): $(div "$lines_per_op" "$aws_lines_per_op" %.2f)×  (ours $lines_per_op, aws $aws_lines_per_op)"
echo "d. check s/op, scratch (ours / $aws_ver): $(div "$ours_scratch_op" "$aws_op" %.2f)×  (ours $ours_scratch_op s, aws $aws_op s)"
echo "d. check s/op, ours touch vs aws scratch (ours / $aws_ver): $(div "$ours_touch_op" "$aws_op" %.2f)×  (ours $ours_touch_op s, aws $aws_op s)"
