/* SPDX-License-Identifier: Apache-2.0 */
/* Pre-encoded media for the load generator: VP8 + Opus encoded once into a file,
 * demuxed once into memory, and played by every peer through a payloader. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* One elementary stream held in memory: encoded frames with their PTS from the file. */
typedef struct {
  GstCaps *caps;       /* e.g. video/x-vp8 or audio/x-opus */
  GPtrArray *frames;   /* GstBuffer, in file order */
  GstClockTime period; /* length of one loop of the file */
} BenchTrack;

typedef struct {
  BenchTrack video;
  BenchTrack audio;
} BenchMedia;

/**
 * bench_media_make:
 * Encodes @seconds of camera-like video (a moving zone plate, not per-frame noise:
 * libvpx would drop to a few fps on noise) at 640x480, 30 fps, ~1 Mbit/s VP8, and
 * a 440 Hz tone as 32 kbit/s Opus, into the Matroska file @path. Done once per run.
 */
gboolean bench_media_make(const char *path, guint seconds, GError **error);

/**
 * bench_media_load:
 * Demuxes @path (matroskademux) into memory.
 * Returns: (transfer full) (nullable): the two tracks.
 */
BenchMedia *bench_media_load(const char *path, GError **error);

void bench_media_free(BenchMedia *media);

G_END_DECLS
