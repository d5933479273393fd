#!/usr/bin/env bash
# Virtuoso for the remote-store tests: install Debian's package, run it on a throwaway database bound to
# 127.0.0.1, and print the environment pytest needs.
#
#   eval "$(.ci/virtuoso.sh start)"      # installs if missing, starts, exports BILDUNGSNETZ_TEST_VIRTUOSO*
#   trap '.ci/virtuoso.sh stop' EXIT     # stops the server and removes its database
#
# Only `export …` lines go to stdout (for eval); everything else goes to stderr.
set -euo pipefail

PACKAGE=virtuoso-opensource

log() { printf 'virtuoso.sh: %s\n' "$*" >&2; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

install_virtuoso() {
    if command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null; then
        return
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # The package's postinst starts its own service (and no systemd is there to run it). We run our own server
    # on a throwaway database, so forbid service starts while installing (policy-rc.d exit 101: not allowed).
    local policy=/usr/sbin/policy-rc.d ours=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
        $sudo chmod +x "$policy"
        ours=1
    fi
    log "installing $PACKAGE (apt) …"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$PACKAGE" >&2
    [ -z "$ours" ] || $sudo rm -f "$policy"
    # Should the package have started its server anyway, stop it: it would hold ports 1111/8890.
    if command -v pgrep >/dev/null && pgrep -x virtuoso-t >/dev/null; then
        $sudo /etc/init.d/virtuoso-opensource-7 stop >&2 || true
    fi
}

write_ini() {  # $1 = database dir, $2 = isql port, $3 = http port
    local db=$1
    mkdir -p "$db/www"
    cat >"$db/virtuoso.ini" <<EOF
; Throwaway Virtuoso for bildungsnetz tests (written by .ci/virtuoso.sh). Bound to 127.0.0.1 only.
[Database]
DatabaseFile       = $db/virtuoso.db
ErrorLogFile       = $db/virtuoso.log
LockFile           = $db/virtuoso.lck
TransactionFile    = $db/virtuoso.trx
xa_persistent_file = $db/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = $db/virtuoso-temp.db
TransactionFile    = $db/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:$2
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 60
NumberOfBuffers      = 20000
MaxDirtyBuffers      = 15000
ServerThreads        = 10
DirsAllowed          = ., $db
; a whole update request (INSERT DATA of one chunk, or the swap) must fit into one statement
MaxMemPoolSize       = 200000000
; Each update request is one transaction; its log may not outgrow this (SR325). The store writes, swaps and
; deletes in chunks of 10,000 quads (about 0.4 MB here), so it never needs more. 5 MB is a tenth of Virtuoso's
; default: the tests meet the limit with 60,000 triples instead of a million. docs/speicher.md has the
; deployment values.
TransactionAfterImageLimit = 5000000
; Virtuoso's default, written out: one request of a 20,000-triple graph with a blank node ran out of it
; ("Low query memory limit"); blank nodes are now skolemised and every graph goes in chunks.
MaxQueryMem          = 2G

[HTTPServer]
ServerPort           = 127.0.0.1:$3
ServerRoot           = $db/www
MaxClientConnections = 10
ServerThreads        = 10
DavRoot              = DAV
EnabledDavVSP        = 0
KeepAliveTimeout     = 10
MaxKeepAlives        = 10

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
; The defaults cut results at 10,000 rows and answer HTTP 206 after a time limit: a silently partial
; result. The store treats 206 as an error; these limits keep the tests' and the catalogue's queries whole.
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
DefaultQuery               = SELECT * WHERE { ?s ?p ?o } LIMIT 10
MaxSortedTopRows           = 1000000
EOF
}

up() {  # does the SPARQL endpoint answer? (python3, not curl: a fresh CI machine may lack curl)
    python3 - "$1" <<'PY' 2>/dev/null
import sys, urllib.parse, urllib.request
url = sys.argv[1] + "?" + urllib.parse.urlencode({"query": "ASK {}"})
urllib.request.urlopen(url, timeout=2).read()
PY
}

isql() {  # run SQL as dba (password $1) against the throwaway server; fail on any SQL error
    local output
    output=$(isql-vt "127.0.0.1:$ISQL_PORT" dba "$1" VERBOSE=OFF BANNER=OFF PROMPT=OFF ECHO=OFF \
        ERRORS=STDOUT EXEC="$2" 2>&1) || { log "isql failed: ${output//$1/***}"; return 1; }
    if grep -q '\*\*\* Error' <<<"$output"; then
        log "isql: ${output//${SECRET:-$1}/***}"  # never the password in a CI log
        return 1
    fi
}

start() {
    local started
    started=$(date +%s)
    install_virtuoso
    local db
    db=$(mktemp -d -t bildungsnetz-virtuoso.XXXXXX)
    ISQL_PORT=$(free_port)
    local http_port
    http_port=$(free_port)
    write_ini "$db" "$ISQL_PORT" "$http_port"
    log "starting virtuoso-t in $db (isql 127.0.0.1:$ISQL_PORT, http 127.0.0.1:$http_port) …"
    (cd "$db" && exec virtuoso-t +foreground +configfile "$db/virtuoso.ini" >"$db/stdout.log" 2>&1) &
    local pid=$!
    echo "$pid" >"$db/pid"
    local endpoint="http://127.0.0.1:$http_port/sparql"
    local tries=0
    until up "$endpoint"; do
        tries=$((tries + 1))
        if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -gt 120 ]; then
            log "Virtuoso did not come up; its log:"
            tail -n 40 "$db/virtuoso.log" >&2 || true
            tail -n 20 "$db/stdout.log" >&2 || true
            kill "$pid" 2>/dev/null || true
            exit 1
        fi
        sleep 0.5
    done
    # A fresh database has the well-known dba/dba: replace it by a random password for this run.
    local password
    password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
    SECRET=$password
    isql dba "USER_SET_PASSWORD ('dba', '$password');"
    # Production-like: bildungsnetz reads and writes through the digest-authenticated endpoints (/sparql-auth,
    # /sparql-graph-crud-auth) as dba. The anonymous /sparql would serve every graph, the private ones
    # (graph/privat/…) and the writer journal included: the anonymous user may read no graph at all.
    isql "$password" "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0);"
    isql "$password" "checkpoint;"
    log "Virtuoso is up after $(( $(date +%s) - started )) s: $endpoint"
    cat <<EOF
export BILDUNGSNETZ_VIRTUOSO_DIR='$db'
export BILDUNGSNETZ_TEST_VIRTUOSO='http://127.0.0.1:$http_port/sparql-auth'
export BILDUNGSNETZ_TEST_VIRTUOSO_PUBLIC='$endpoint'
export BILDUNGSNETZ_TEST_VIRTUOSO_UPDATE='http://127.0.0.1:$http_port/sparql-auth'
export BILDUNGSNETZ_TEST_VIRTUOSO_GSP='http://127.0.0.1:$http_port/sparql-graph-crud-auth'
export BILDUNGSNETZ_TEST_VIRTUOSO_USER='dba'
export BILDUNGSNETZ_TEST_VIRTUOSO_PASSWORD='$password'
EOF
}

stop() {
    local db=${1:-${BILDUNGSNETZ_VIRTUOSO_DIR:-}}
    [ -n "$db" ] && [ -f "$db/pid" ] || return 0
    local pid
    pid=$(cat "$db/pid")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"  # virtuoso-t shuts down cleanly on SIGTERM
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    case "$db" in
        */bildungsnetz-virtuoso.*) rm -rf "$db" ;;
    esac
    log "Virtuoso stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    install) install_virtuoso ;;
    *) echo "usage: $0 start | stop [DIR] | install" >&2; exit 2 ;;
esac
