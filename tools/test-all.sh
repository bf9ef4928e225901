#!/usr/bin/env bash
# `npm test`: type-check, lint, unit tests (incl. training smoke runs and export parity), build, then Playwright e2e in
# Debian's Chromium. Prints one summary line "N passed, N failed" at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -d)
status=0

echo "== runtime assets (public/vendor: the unit tests read the voice-activity model from there too)"
npx tsx tools/setup-assets.ts || status=1

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json || status=1

echo "== lint (biome.jsonc)"
npx biome lint --error-on-warnings . || status=1

echo "== unit tests"
node --import tsx --test --test-concurrency=1 test/unit/*.test.ts 2>&1 | tee "$log/unit.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
unit_pass=$(grep -E '^# pass ' "$log/unit.txt" | awk '{print $3}'); unit_fail=$(grep -E '^# fail ' "$log/unit.txt" | awk '{print $3}')

echo "== build"
npm run --silent build > "$log/build.txt" 2>&1 || { cat "$log/build.txt"; status=1; }
tail -3 "$log/build.txt"

echo "== e2e"
npx playwright test 2>&1 | tee "$log/e2e.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
e2e_pass=$(grep -oE '^\s*[0-9]+ passed' "$log/e2e.txt" | tail -1 | grep -oE '[0-9]+'); e2e_fail=$(grep -oE '^\s*[0-9]+ failed' "$log/e2e.txt" | tail -1 | grep -oE '[0-9]+')

passed=$(( ${unit_pass:-0} + ${e2e_pass:-0} )); failed=$(( ${unit_fail:-0} + ${e2e_fail:-0} ))
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "$passed passed, $failed failed"
exit $status
