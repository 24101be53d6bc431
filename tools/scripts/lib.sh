# Shared helpers for the project's shell scripts. Source it; don't run it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VAR_DIR="$ROOT/.var"
LOG_DIR="$VAR_DIR/logs"
mkdir -p "$LOG_DIR"

if [ -t 1 ]; then BOLD=$'\e[1m'; RED=$'\e[31m'; GREEN=$'\e[32m'; DIM=$'\e[2m'; RESET=$'\e[0m'
else BOLD=''; RED=''; GREEN=''; DIM=''; RESET=''; fi

# step "name" logfile command... — runs a command, shows its time, names itself and its log on failure.
step() {
  local name="$1" log="$2"; shift 2
  local started=$SECONDS
  printf '%s▶ %s%s\n' "$BOLD" "$name" "$RESET"
  if "$@" >"$log" 2>&1; then
    printf '  %s✓ %s%s %s(%ss, log: %s)%s\n' "$GREEN" "$name" "$RESET" "$DIM" "$((SECONDS - started))" "${log#"$ROOT"/}" "$RESET"
  else
    local code=$?
    printf '  %s✗ %s failed (exit %s) after %ss — log: %s%s\n' "$RED" "$name" "$code" "$((SECONDS - started))" "$log" "$RESET"
    echo "---- last lines of $log ----"
    tail -n 40 "$log"
    return "$code"
  fi
}

# step_live "name" command... — like step, but the command's output goes to the terminal (tests).
step_live() {
  local name="$1"; shift
  local started=$SECONDS
  printf '%s▶ %s%s\n' "$BOLD" "$name" "$RESET"
  if "$@"; then
    printf '  %s✓ %s%s %s(%ss)%s\n' "$GREEN" "$name" "$RESET" "$DIM" "$((SECONDS - started))" "$RESET"
  else
    local code=$?
    printf '  %s✗ %s failed (exit %s) after %ss%s\n' "$RED" "$name" "$code" "$((SECONDS - started))" "$RESET"
    return "$code"
  fi
}
