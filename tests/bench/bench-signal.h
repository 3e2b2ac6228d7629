/* SPDX-License-Identifier: Apache-2.0 */
/* Signaling for the load generator's participants: Balie's protocol (docs/protocol.md)
 * or Janus's VideoCall plugin, each over one WebSocket per participant. */
#pragma once

#include <libsoup/soup.h>

#include "bench-peer.h"

G_BEGIN_DECLS

typedef enum {
  BENCH_PROTOCOL_BALIE,
  BENCH_PROTOCOL_JANUS,
  BENCH_PROTOCOL_DIRECT, /* no gateway: the two peers connect to each other (baseline) */
} BenchProtocol;

typedef struct _BenchCall BenchCall;

/* Settings every call shares; owned by main(). */
typedef struct {
  BenchProtocol protocol;
  char *url;
  char *extra_ip; /* nullable */
  SoupSession *session;
  BenchMedia *media;
  BenchDelays *delays;
  guint run_id;
} BenchCallSetup;

/**
 * bench_call_start:
 * Opens both participants' WebSockets and lets them negotiate: Balie join/answer/ice,
 * or Janus create/attach/register, then a call from the first to the second.
 * Returns: (transfer full) (nullable)
 */
BenchCall *bench_call_start(const BenchCallSetup *setup, guint index, GError **error);
void bench_call_free(BenchCall *call);

/* Monotonic time the call was started. */
gint64 bench_call_started_us(BenchCall *call);
/* Peer 0 or 1. */
BenchPeer *bench_call_peer(BenchCall *call, guint which);
/* Number of signaling errors the gateway reported (or unexpected socket closes). */
guint bench_call_errors(BenchCall *call);

G_END_DECLS
