#!/usr/bin/env bash
# The pull-request step of action.yml: for every policy the pull request changes, the replayed
# diff against the base branch, appended to the job summary. Kept in a file of its own so the
# tests run exactly this script (tests/ci/test_action.py).
#
# Environment: BASE_REF (the base branch), POLICIES, GITHUB_STEP_SUMMARY; optional TICKETS,
# EVENTS, DOWNTIME, MAPPING, PERIOD (the data to replay on), FAIL_ON (never, credit-increase,
# any-flip).
set -euo pipefail

git fetch --quiet --no-tags origin "$BASE_REF" || true
base="origin/$BASE_REF"
mapfile -t changed < <(git diff --name-only --diff-filter=AM "$base"...HEAD -- $POLICIES \
                       | grep -E '\.sla$' || true)
if [ "${#changed[@]}" -eq 0 ]; then
  echo "No policy changed against $BASE_REF." >> "$GITHUB_STEP_SUMMARY"
  exit 0
fi
data=()
if [ -n "${TICKETS:-}" ]; then
  data+=(--tickets "$TICKETS")
  [ -n "${EVENTS:-}" ] && data+=(--events "$EVENTS")
  [ -n "${DOWNTIME:-}" ] && data+=(--downtime "$DOWNTIME")
  [ -n "${MAPPING:-}" ] && data+=(--mapping "$MAPPING")
  [ -n "${PERIOD:-}" ] && data+=(--period "$PERIOD")
  data+=(--fail-on "${FAIL_ON:-never}")
fi
status=0
for f in "${changed[@]}"; do
  if git cat-file -e "$base:$f" 2>/dev/null; then
    slalang diff "$base:$f" "$f" "${data[@]}" --format markdown >> "$GITHUB_STEP_SUMMARY" \
      || status=$?
  else
    echo "### \`$f\` is a new policy" >> "$GITHUB_STEP_SUMMARY"
  fi
done
exit "$status"
