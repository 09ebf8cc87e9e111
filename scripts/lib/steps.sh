# Step timings shared by scripts/setup, scripts/run and scripts/test: each step's wall time is
# appended to one log (exported, so `scripts/setup` run by `scripts/run` adds to the caller's) and
# the outermost script prints the table at its end. Source it; do not run it.
#
#   timed "label" command args...   runs the command and records its time (under `set -e` a
#                                   failing step ends the script, as it would untimed)
#   print_step_times "title"        prints the table if this script owns the log

if [[ -z "${IGNY8_STEP_LOG:-}" ]]; then
    IGNY8_STEP_LOG="$(mktemp -t igny8-steps.XXXXXX)"
    IGNY8_STEP_LOG_OWNER=$$
    export IGNY8_STEP_LOG
fi
IGNY8_STEPS_STARTED=$SECONDS

timed() {
    local label="$1" started=$SECONDS
    shift
    # Not `"$@" || ...`: that would switch `set -e` off inside the step.
    "$@"
    printf '%s\t%s\n' "$label" "$((SECONDS - started))" >>"$IGNY8_STEP_LOG"
}

# Records a step whose time was measured by the caller (e.g. one that ends in the background).
record_step() { printf '%s\t%s\n' "$1" "$2" >>"$IGNY8_STEP_LOG"; }

print_step_times() {
    [[ "${IGNY8_STEP_LOG_OWNER:-}" == "$$" ]] || return 0
    {
        printf '\n%s: step times\n' "$1"
        awk -F'\t' '{ printf "  %6d s  %s\n", $2, $1 }' "$IGNY8_STEP_LOG"
        printf '  %6d s  total\n' "$((SECONDS - IGNY8_STEPS_STARTED))"
    } >&2
    rm -f "$IGNY8_STEP_LOG"
}
