#!/usr/bin/env bash
# Build and test every VeridianOS configuration from scratch.
#
#   tools/test.sh [preset...]   default: host riscv64-qemu aarch64-qemu x86_64-qemu
#
# Each preset runs its workflow (configure --fresh, build, ctest) with the
# output shown and kept in build/test-<preset>.log.  A failing preset does not
# stop the others.  The summary counts ctest's results; a preset that broke
# before ctest could report counts as one failure.  The last line is always
#   total: N passed, N failed
# and the exit status is non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

tools/setup.sh || { echo "test: tools/setup.sh failed" >&2; exit 1; }

if [ $# -gt 0 ]; then
  presets=("$@")
else
  presets=(host riscv64-qemu aarch64-qemu x86_64-qemu)
fi
mkdir -p build

total_pass=0
total_fail=0
summary=()
for p in "${presets[@]}"; do
  log=build/test-$p.log
  echo "==== $p: cmake --workflow --preset $p --fresh (log: $log)"
  start=$SECONDS
  # </dev/null: nothing here may wait for a terminal (QEMU included).
  cmake --workflow --preset "$p" --fresh </dev/null 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  secs=$((SECONDS - start))

  # ctest's closing line: "92% tests passed, 1 tests failed out of 13".
  # Take the last one, in case a test's own output contains a similar line.
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
    count=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
    passed=$((count - failed))
    note="ctest: $passed passed, $failed failed"
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
      # ctest was happy but the workflow still failed: count that too.
      failed=1
      note="$note; workflow exited $rc"
    fi
  else
    passed=0
    failed=1
    note="broke before testing (configure or build failed, exit $rc)"
  fi
  total_pass=$((total_pass + passed))
  total_fail=$((total_fail + failed))
  if [ "$failed" -eq 0 ]; then status=PASS; else status=FAIL; fi
  summary+=("$(printf '%-14s %s  %s  (%ss, %s)' "$p" "$status" "$note" "$secs" "$log")")
done

echo
echo "==== summary"
for s in "${summary[@]}"; do
  echo "$s"
done
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
