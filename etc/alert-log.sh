#!/bin/sh
# alert-log.sh - a demo exec alert channel: appends the alert's facts to a log.
# slamon runs it without a shell, with the facts in SLAMON_* environment variables.
log=${SLAMON_STATE_DIR:-var/slamon}/alerts.log
mkdir -p "$(dirname "$log")"
{
	printf '%s %s target=%s component=%s outage_start=%s unplanned_s=%s\n' \
	    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SLAMON_EVENT:-alert}" "$SLAMON_TARGET" \
	    "$SLAMON_COMPONENT" "$SLAMON_OUTAGE_START" "$SLAMON_UNPLANNED_S"
} >>"$log"
