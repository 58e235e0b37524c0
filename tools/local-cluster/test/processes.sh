# tools/local-cluster/test/processes.sh — sourced by acceptance.sh and multinode.sh: whether the
# processes a cluster ran are gone after `down`.

# none of these pids exists (kill -0)
none_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
# a killed container process may be a zombie for a moment (kill -0 still finds it) until its reaper
# waits: gone means no /proc entry or state Z, within 10 s; else its ps line says what it is
gone_soon() {
  local p t left
  for t in $(seq 50); do
    left=""
    for p in "$@"; do [ -e "/proc/$p" ] && [ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" != Z ] && left="$left $p"; done
    [ -z "$left" ] && return 0
    sleep 0.2
  done
  ps -o pid,ppid,stat,lstart,cmd -p "$(tr ' ' ',' <<< "${left# }")" >&2
  return 1
}
