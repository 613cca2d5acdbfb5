#!/bin/sh
# Keeps the stock amazon-eks-pod-identity-webhook's identities file (--watch-container-credentials-config) equal to
# the service's list of associated service accounts: every SYNC_PERIOD_SECONDS it POSTs a projected token of this
# pod's service account to {API_URL}clusters/{CLUSTER}/webhook-identities (SyncWebhookIdentities) and replaces the
# file by temp file + rename in its directory, which the webhook sees at once (a ConfigMap volume's update it never
# sees). On any error the last good file stays as it is. How stale it is goes to the log and to STATUS_FILE
# (Prometheus text format). POSIX sh + curl only: runs in curlimages/curl and as a plain process.
#
# Environment: API_URL, CLUSTER (required); TOKEN_FILE, OUT_FILE, STATUS_FILE, SYNC_PERIOD_SECONDS (30),
# STALE_AFTER_SECONDS (3 periods), CA_FILE (PEM bundle for a private endpoint), SYNC_ONCE=1 (one attempt, exit
# status says whether it succeeded). The token is read from its file on every attempt (the kubelet rotates it) and
# goes to curl on stdin, never on a command line; it is never logged.
set -u

: "${API_URL:?API_URL is required: the stack's ApiUrl output}"
: "${CLUSTER:?CLUSTER is required: the registered cluster name}"
TOKEN_FILE=${TOKEN_FILE:-/var/run/secrets/pod-identity.dev/webhook-sync/token}
OUT_FILE=${OUT_FILE:-/var/run/pod-identity-webhook/identities.json}
STATUS_FILE=${STATUS_FILE:-/var/run/pod-identity-webhook-sync/status.prom}
PERIOD=${SYNC_PERIOD_SECONDS:-30}
case "$PERIOD" in '' | *[!0-9]* | 0) echo "sync: SYNC_PERIOD_SECONDS must be a whole number of seconds >= 1" >&2; exit 2 ;; esac
STALE_AFTER=${STALE_AFTER_SECONDS:-$((PERIOD * 3))}
URL="${API_URL%/}/clusters/${CLUSTER}/webhook-identities"
OUT_DIR=$(dirname "$OUT_FILE")
STATUS_DIR=$(dirname "$STATUS_FILE")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/webhook-sync.XXXXXX") || exit 1
trap 'rm -rf "$WORK"; exit 0' TERM INT
trap 'rm -rf "$WORK"' EXIT

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) sync: $*" >&2; }
count() { grep -o '"serviceAccount"' "$1" 2>/dev/null | wc -l | tr -d ' '; }

# The last success survives a container restart in the status file (its emptyDir outlives the container).
last_success=$(sed -n 's/^pod_identity_webhook_sync_last_success_timestamp_seconds \([0-9][0-9]*\)$/\1/p' "$STATUS_FILE" 2>/dev/null)
last_success=${last_success:-0}
identities=0
if [ -f "$OUT_FILE" ]; then
  identities=$(count "$OUT_FILE")
  # a list without a status file: as old as the list
  [ "$last_success" -gt 0 ] || last_success=$(date -r "$OUT_FILE" +%s 2>/dev/null || echo 0)
fi
failures=0

write_status() { # $1: now
  if [ "$last_success" -gt 0 ]; then age=$(($1 - last_success)); else age=-1; fi
  mkdir -p "$STATUS_DIR" 2>/dev/null
  {
    echo "# HELP pod_identity_webhook_sync_age_seconds Seconds since the identities file last matched the service (-1: never)."
    echo "# TYPE pod_identity_webhook_sync_age_seconds gauge"
    echo "pod_identity_webhook_sync_age_seconds $age"
    echo "# TYPE pod_identity_webhook_sync_last_success_timestamp_seconds gauge"
    echo "pod_identity_webhook_sync_last_success_timestamp_seconds $last_success"
    echo "# TYPE pod_identity_webhook_sync_identities gauge"
    echo "pod_identity_webhook_sync_identities $identities"
    echo "# TYPE pod_identity_webhook_sync_consecutive_failures gauge"
    echo "pod_identity_webhook_sync_consecutive_failures $failures"
  } >"$STATUS_FILE.tmp" && mv -f "$STATUS_FILE.tmp" "$STATUS_FILE"
}

# One attempt; 0 when the file matches the service's answer.
sync_once() {
  if [ ! -r "$TOKEN_FILE" ]; then
    log "cannot read the token file $TOKEN_FILE (a projected service-account token, audience pod-identity.dev/webhook-sync)"
    return 1
  fi
  token=$(cat "$TOKEN_FILE")
  set -- -sS -X POST "$URL" -H 'Content-Type: application/json' --data-binary @- \
    --connect-timeout 5 --max-time 20 -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}'
  [ -n "${CA_FILE:-}" ] && set -- "$@" --cacert "$CA_FILE"
  status=$(printf '{"token": "%s"}' "$token" | curl "$@" 2>"$WORK/err")
  rc=$?
  token=
  if [ $rc -ne 0 ]; then
    log "cannot reach $URL: $(head -n 1 "$WORK/err")"
    return 1
  fi
  if [ "$status" != 200 ]; then
    type=$(tr -d '\r' <"$WORK/headers" | sed -n 's/^[Xx]-[Aa]mzn-[Ee]rror[Tt]ype:[[:space:]]*//p' | head -n 1)
    message=$(sed -n 's/.*"message"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$WORK/body" | head -c 400)
    log "HTTP $status ${type:-(no error type)} from $URL: ${message:-$(head -c 200 "$WORK/body")}"
    return 1
  fi
  # the service answers {"identities":[...]} and nothing else; anything else is never written
  case "$(head -c 15 "$WORK/body")" in
    '{"identities":[') ;;
    *) log "unexpected answer from $URL (not an identities file): $(head -c 80 "$WORK/body")"; return 1 ;;
  esac
  mkdir -p "$OUT_DIR" 2>/dev/null
  # rewritten only when it changed: every write makes the webhook re-read it
  if ! { [ -f "$OUT_FILE" ] && cmp -s "$WORK/body" "$OUT_FILE"; }; then
    tmp="$OUT_DIR/.$(basename "$OUT_FILE").tmp"
    if ! cp "$WORK/body" "$tmp" || ! mv -f "$tmp" "$OUT_FILE"; then
      rm -f "$tmp"
      log "cannot write $OUT_FILE"
      return 1
    fi
    log "updated $OUT_FILE: $(count "$OUT_FILE") service account(s)"
  fi
  identities=$(count "$OUT_FILE")
  return 0
}

log "syncing $URL into $OUT_FILE every ${PERIOD}s (status: $STATUS_FILE)"
while :; do
  if sync_once; then
    last_success=$(date +%s)
    if [ "$failures" -gt 0 ]; then log "recovered after $failures failed attempt(s)"; fi
    failures=0
    ok=0
  else
    failures=$((failures + 1))
    ok=1
    now=$(date +%s)
    if [ "$last_success" -gt 0 ]; then
      age=$((now - last_success))
      level=""; [ "$age" -ge "$STALE_AFTER" ] && level="STALE: "
      log "${level}keeping the last good list ($identities service account(s)), last synced ${age}s ago"
    else
      log "STALE: no list synced yet: the webhook patches no pod until the first sync succeeds"
    fi
  fi
  write_status "$(date +%s)"
  if [ "${SYNC_ONCE:-}" = 1 ]; then exit "$ok"; fi
  sleep "$PERIOD" &
  wait $!
done
