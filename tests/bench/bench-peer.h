/* SPDX-License-Identifier: Apache-2.0 */
/* One load-generator participant: a webrtcbin fed with pre-encoded VP8 + Opus
 * through payloaders, counting and timing what it receives. Knows no signaling. */
#pragma once

#include <gst/gst.h>

#include "bench-media.h"
#include "bench-stats.h"

G_BEGIN_DECLS

typedef struct _BenchPeer BenchPeer;

/* Both run on the main thread (the thread-default context at bench_peer_new()). */
typedef struct {
  /* @type is "offer" or "answer"; the description is already set as local. */
  void (*local_description)(gpointer user_data, const char *type, const char *sdp);
  void (*local_candidate)(gpointer user_data, guint mline, const char *candidate);
} BenchPeerCallbacks;

/**
 * bench_peer_new:
 * @extra_ip: (nullable): an address to add to the ICE agent (libnice skips loopback)
 * @delays: (transfer none): where received video delays go while measuring
 * Returns: (transfer full): a PLAYING peer that sends nothing until bench_peer_start_media().
 */
BenchPeer *bench_peer_new(BenchMedia *media, const char *extra_ip,
                          const BenchPeerCallbacks *callbacks, gpointer user_data,
                          BenchDelays *delays, GError **error);
void bench_peer_free(BenchPeer *peer);

/* The partner whose video this peer receives: its send log times our arrivals. */
void bench_peer_set_partner(BenchPeer *peer, BenchPeer *partner);

/* Applies a remote offer and answers it, or applies a remote answer. */
void bench_peer_set_remote(BenchPeer *peer, const char *type, const char *sdp);
void bench_peer_create_offer(BenchPeer *peer);
void bench_peer_add_candidate(BenchPeer *peer, guint mline, const char *candidate);

/* Pushes every frame due by @now_us (monotonic); called from the feeder thread. */
void bench_peer_feed(BenchPeer *peer, gint64 now_us);
void bench_peer_start_media(BenchPeer *peer);

/* (transfer none): the peer's webrtcbin, e.g. for tests/bench/bench-rogue.h */
GstElement *bench_peer_get_webrtc(BenchPeer *peer);

/* Monotonic time of the first received video packet, 0 if none yet. */
gint64 bench_peer_first_video_us(BenchPeer *peer);
BenchStream *bench_peer_rx_video(BenchPeer *peer);
BenchStream *bench_peer_rx_audio(BenchPeer *peer);
BenchStream *bench_peer_tx_video(BenchPeer *peer);
BenchStream *bench_peer_tx_audio(BenchPeer *peer);
/* Received video packets whose send time was found (a sanity check of the delay). */
guint64 bench_peer_timed_packets(BenchPeer *peer);

/* Whether received video delays go into the histogram (set for the window only). */
extern gint bench_peer_measuring;

G_END_DECLS
