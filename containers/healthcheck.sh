#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The image's HEALTHCHECK: is the gateway alive (/healthz answers 200)?
# Follows BALIE_SERVER_TLS and BALIE_SERVER_PORT when they are set.
scheme=https
[ "${BALIE_SERVER_TLS:-true}" = false ] && scheme=http
exec curl -fsk --max-time 4 -o /dev/null "$scheme://127.0.0.1:${BALIE_SERVER_PORT:-8443}/healthz"
