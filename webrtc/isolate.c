/* SPDX-License-Identifier: Apache-2.0 */
/* A pass-through element that keeps one viewer's errors from reaching the shared producer,
 * and remembers the last packets it passed so a viewer's NACK can be answered. */
#include "webrtc/isolate.h"

#include <gst/rtp/rtp.h>
#include <string.h>

/*
 * Without it, a flow error from one consumer's webrtcbin (not negotiated,
 * an error state, a vanished browser) travels back through the branch
 * and the tee and halts the producer's receive path: every other viewer
 * loses the stream. Here such errors end: they are logged once per branch
 * and the branch drops until the consumer accepts data again.
 */
/*
 * The retransmission history: a ring of the last packets, indexed by sequence
 * number, each a private copy of the packet's bytes. A copy and not a reference:
 * a received packet's memory can be a much larger block (libnice reads into
 * 64 KiB buffers), and a held reference would make every later writer downstream
 * (the TWCC sequence number) copy it anyway. Packets larger than a slot are not
 * kept; browsers send RTP packets of at most ~1200 bytes. A copy is let go after
 * HISTORY_KEEP_US (or when its slot is taken), so what the history holds follows
 * the stream's rate: ~110 KB at 1 Mbit/s, at most 256 packets (~1.2 s at 2 Mbit/s).
 * A browser asks again for a lost packet once per round trip, ten times at most
 * (Chrome), so a second covers round trips up to ~100 ms fully and longer ones for
 * the first few requests; Janus keeps ~200 ms (min_nack_queue).
 */
#define HISTORY_PACKETS 256
#define HISTORY_SLOT_BYTES 1280
#define HISTORY_KEEP_US 1000000
#define HISTORY_MAX_RESENDS 6 /* per packet: a NACK for a resend lost again is answered */
/* Chrome re-sends a NACK every round trip (~1 ms on a LAN) until the packet
 * arrives: answer one packet at most this often, not every NACK. */
#define HISTORY_RESEND_SPACING_US 20000
#define HISTORY_MAX_PENDING 128 /* resends waiting for the next packet of the stream */
#define HISTORY_HOLE_SPACING_US 2000000 /* keyframe requests for unfillable holes */
/* A packet further ahead or back than this is a new start, not a gap or a late one. */
#define HISTORY_LATE_MAX 1000
/* A packet missing on the way in may still come (the gateway asks the sender
 * for it, lean.c): until then a NACK for it is no hole. A little longer than
 * the gateway keeps asking. */
#define HISTORY_UPSTREAM_WAIT_US 1200000

typedef enum { CODEC_NONE, CODEC_VP8, CODEC_H264 } Codec;

typedef struct {
  GstClockTime pts;
  gint64 resent_us; /* monotonic time of the last resend */
  gint64 gap_us;    /* size 0: when the packet was found missing on the way in; 0: not so */
  gint64 kept_us;   /* when bytes were copied: they go HISTORY_KEEP_US later */
  guint8 *bytes;    /* size bytes (owned), or NULL */
  guint16 seq;
  guint16 size; /* 0: empty */
  guint8 resent;
  guint8 why_empty; /* size 0 and no gap: EMPTY_TOO_LARGE or EMPTY_EXPIRED */
} HistoryEntry;

enum { EMPTY_TOO_LARGE = 1, EMPTY_EXPIRED };

struct _GwIsolate {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  GstFlowReturn last; /* last result from downstream, for logging transitions */
  guint64 dropped;
  gint closed; /* atomic: drop everything (the consumer is not connected yet) */

  /* under the object lock */
  gboolean keep_history;
  gboolean late_input; /* what is missing on the way in may still come (no jitter buffer) */
  Codec codec; /* of the video passing, to find keyframes */
  gboolean have_keyframe;
  guint16 keyframe_seq; /* the first packet of the newest keyframe passed */
  guint32 keyframe_ts;
  gint64 hole_us;       /* when a NACK last found a hole only a keyframe fills */
  gboolean broken;      /* such a hole since broken_seq: the receiver waits for a keyframe */
  guint16 broken_seq;
  guint64 missed_broken; /* NACKs after such a hole: useless until the keyframe */
  guint64 missed_stale; /* NACKs for packets before a newer keyframe: not needed */
  guint64 holes;        /* keyframes asked of the producer for such holes */
  gboolean congested;   /* the consumer's link loses most packets: a keyframe would too */
  guint64 resent_bytes;
  HistoryEntry *entries; /* HISTORY_PACKETS, allocated with the first packet */
  gint64 keep_us;        /* HISTORY_KEEP_US, shorter in tests */
  guint16 expire_seq;    /* the oldest packet that may still hold bytes */
  guint32 ssrc;
  guint16 newest; /* the last sequence number passed */
  gboolean have_ssrc;
  guint64 resent, missed;
  guint64 missed_unseen, missed_big, missed_often, missed_expired; /* why, for the log */
  guint64 missed_upstream; /* not arrived yet: asked of the sender (lean.c) */
  guint64 gaps; /* packets missing in what came in (lost before the gateway forwarded) */
  GstBufferList *pending; /* resends waiting for the branch's own thread */
  guint budget;          /* resent bytes a second; 0: no limit */
  double tokens;         /* bytes that may be resent now */
  gint64 tokens_us;      /* when tokens was last topped up */
  guint64 missed_budget;
};

G_DEFINE_TYPE(GwIsolate, gw_isolate, GST_TYPE_ELEMENT)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstFlowReturn
absorb(GwIsolate *self, GstFlowReturn ret)
{
  if (ret != self->last) {
    if (ret < GST_FLOW_OK)
      GST_INFO_OBJECT(self, "downstream answered %s: dropping until it recovers",
                      gst_flow_get_name(ret));
    self->last = ret;
  }
  if (ret < GST_FLOW_OK) {
    self->dropped++;
    return GST_FLOW_OK;
  }
  return ret;
}

/* Does this RTP payload start or carry a keyframe? VP8 (RFC 7741): the first
 * packet of a frame (S set, partition 0) whose frame header has P clear.
 * H.264 (RFC 6184): an IDR slice or a parameter set, alone, in a STAP-A, or
 * at the start of a FU-A. Hand-written: GStreamer's depayloaders find
 * keyframes only by depayloading, which a forwarder does not do. */
static gboolean
is_keyframe(Codec codec, const guint8 *p, guint len)
{
  if (codec == CODEC_VP8) {
    if (len < 1 || !(p[0] & 0x10) || (p[0] & 0x07) != 0)
      return FALSE;
    guint off = 1;
    if (p[0] & 0x80) { /* X: extension byte, then I (picture id), L, T/K */
      if (len < 2)
        return FALSE;
      guint8 x = p[1];
      off = 2;
      if (x & 0x80) {
        if (len < off + 1)
          return FALSE;
        off += (p[off] & 0x80) ? 2 : 1;
      }
      if (x & 0x40)
        off++;
      if (x & 0x30)
        off++;
    }
    return len > off && (p[off] & 0x01) == 0;
  }
  if (codec == CODEC_H264) {
    if (len < 2)
      return FALSE;
    guint type = p[0] & 0x1f;
    if (type == 5 || type == 7)
      return TRUE;
    if (type == 28) /* FU-A: the start of a fragmented IDR slice */
      return (p[1] & 0x80) && ((p[1] & 0x1f) == 5 || (p[1] & 0x1f) == 7);
    if (type == 24) { /* STAP-A: 16-bit sizes, each followed by a NAL unit */
      for (guint off = 1; off + 2 < len;) {
        guint size = (guint)p[off] << 8 | p[off + 1]; /* not aligned */
        guint inner = p[off + 2] & 0x1f;
        if (inner == 5 || inner == 7)
          return TRUE;
        off += 2 + size;
      }
    }
  }
  return FALSE;
}

/* Sets *e to value, letting go of the bytes it held. */
static void
entry_set(HistoryEntry *e, HistoryEntry value)
{
  g_free(e->bytes);
  *e = value;
}

static void
history_clear(GwIsolate *self)
{
  for (guint i = 0; self->entries && i < HISTORY_PACKETS; i++)
    entry_set(&self->entries[i], (HistoryEntry){0});
}

/* Lets go of the bytes of packets kept longer than keep_us, oldest first,
 * up to the first one still young enough. Called with the object lock held. */
static void
history_expire(GwIsolate *self, gint64 now)
{
  /* What is further back than the ring went with its slot; a jump of the
   * sequence numbers (a new start) begins again from the ring's oldest slot. */
  gint16 behind = (gint16)(self->newest - self->expire_seq);
  if (behind >= HISTORY_PACKETS || behind <= -HISTORY_LATE_MAX)
    self->expire_seq = (guint16)(self->newest - (HISTORY_PACKETS - 1));
  for (guint i = 0; i < HISTORY_PACKETS && (gint16)(self->newest - self->expire_seq) >= 0; i++) {
    HistoryEntry *e = &self->entries[self->expire_seq % HISTORY_PACKETS];
    if (e->seq == self->expire_seq && e->bytes) {
      if (now - e->kept_us < self->keep_us)
        return;
      entry_set(e, (HistoryEntry){.seq = e->seq, .why_empty = EMPTY_EXPIRED});
    }
    self->expire_seq++;
  }
}

/* Called with the object lock held. */
static void
remember(GwIsolate *self, GstBuffer *buffer)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  if (!gst_rtp_buffer_map(buffer, GST_MAP_READ, &rtp))
    return;
  guint16 seq = gst_rtp_buffer_get_seq(&rtp);
  guint32 ssrc = gst_rtp_buffer_get_ssrc(&rtp);
  /* Another stream (a new producer in this slot): the history is not its. */
  gboolean same = self->have_ssrc && ssrc == self->ssrc;
  if (self->have_ssrc && !same) {
    history_clear(self);
    self->expire_seq = seq;
  }
  /* Without a jitter buffer before the branch (lean.c) packets come out of
   * order: a resend from the sender arrives after the packets behind it. A
   * late packet fills its gap and its slot, and moves nothing back. */
  gint16 ahead = (gint16)(seq - self->newest);
  gboolean late = same && ahead <= 0 && ahead > -HISTORY_LATE_MAX;
  if (same && ahead > 1 && ahead < HISTORY_LATE_MAX) {
    self->gaps += (guint)ahead - 1u;
    /* Mark the slots of what is missing: it may come yet. */
    if (self->entries && self->late_input) {
      gint64 now = g_get_monotonic_time();
      for (guint16 m = (guint16)(seq - MIN(ahead - 1, HISTORY_PACKETS - 1)); m != seq; m++)
        entry_set(&self->entries[m % HISTORY_PACKETS], (HistoryEntry){.seq = m, .gap_us = now});
    }
  } else if (late && ahead < 0 && self->gaps > 0) {
    self->gaps--;
  }
  if (late && ahead <= -HISTORY_PACKETS) {
    gst_rtp_buffer_unmap(&rtp); /* its slot holds a newer packet now */
    return;
  }
  self->ssrc = ssrc;
  if (!late)
    self->newest = seq;
  self->have_ssrc = TRUE;
  guint32 ts = gst_rtp_buffer_get_timestamp(&rtp);
  if (self->codec != CODEC_NONE && (!self->have_keyframe || ts != self->keyframe_ts) &&
      (!self->have_keyframe || (gint16)(seq - self->keyframe_seq) > 0) &&
      is_keyframe(self->codec, gst_rtp_buffer_get_payload(&rtp),
                  gst_rtp_buffer_get_payload_len(&rtp))) {
    self->have_keyframe = TRUE;
    self->broken = FALSE;
    self->keyframe_seq = seq;
    self->keyframe_ts = ts;
  }
  gst_rtp_buffer_unmap(&rtp);
  if (!self->keep_history)
    return;
  if (!self->entries) {
    self->entries = g_new0(HistoryEntry, HISTORY_PACKETS);
    self->expire_seq = seq;
  }
  HistoryEntry *e = &self->entries[seq % HISTORY_PACKETS];
  gsize size = gst_buffer_get_size(buffer);
  gint64 now = g_get_monotonic_time();
  if (size > HISTORY_SLOT_BYTES) {
    entry_set(e, (HistoryEntry){.seq = seq, .why_empty = EMPTY_TOO_LARGE}); /* passed, not kept */
  } else {
    /* The slot's old copy is mostly the same size: realloc keeps the block. */
    guint8 *bytes = g_realloc(e->bytes, size);
    gst_buffer_extract(buffer, 0, bytes, size);
    *e = (HistoryEntry){.seq = seq,
                        .size = (guint16)size,
                        .bytes = bytes,
                        .kept_us = now,
                        .pts = GST_BUFFER_PTS(buffer)};
  }
  history_expire(self, now);
}

/* Resends go out from the thread that carries the branch's packets (the
 * producer's nicesrc thread, or the branch queue's with media.branch_queue),
 * before the next packet: the thread that read the NACK (the consumer's
 * receive path, which also carries that consumer's own media in) must never
 * wait on this pad. */
static void
push_pending(GwIsolate *self, GstBufferList *pending)
{
  if (!pending)
    return;
  if (gst_buffer_list_length(pending) == 0) {
    gst_buffer_list_unref(pending);
    return;
  }
  GstFlowReturn ret = gst_pad_push_list(self->srcpad, pending);
  if (ret != GST_FLOW_OK)
    GST_INFO_OBJECT(self, "resent packets refused downstream: %s", gst_flow_get_name(ret));
}

static GstFlowReturn
isolate_chain(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GwIsolate *self = GW_ISOLATE(parent);
  if (g_atomic_int_get(&self->closed)) {
    gst_buffer_unref(buffer);
    return GST_FLOW_OK;
  }
  GST_OBJECT_LOCK(self);
  remember(self, buffer);
  GstBufferList *pending = g_steal_pointer(&self->pending);
  GST_OBJECT_UNLOCK(self);
  push_pending(self, pending);
  return absorb(self, gst_pad_push(self->srcpad, buffer));
}

static GstFlowReturn
isolate_chain_list(GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GwIsolate *self = GW_ISOLATE(parent);
  if (g_atomic_int_get(&self->closed)) {
    gst_buffer_list_unref(list);
    return GST_FLOW_OK;
  }
  GST_OBJECT_LOCK(self);
  for (guint i = 0; i < gst_buffer_list_length(list); i++)
    remember(self, gst_buffer_list_get(list, i));
  GstBufferList *pending = g_steal_pointer(&self->pending);
  GST_OBJECT_UNLOCK(self);
  push_pending(self, pending);
  return absorb(self, gst_pad_push_list(self->srcpad, list));
}

guint
gw_isolate_resend(GwIsolate *self, const guint16 *seqnums, guint n)
{
  if (g_atomic_int_get(&self->closed))
    return 0;
  gint64 now = g_get_monotonic_time();
  guint count = 0;
  gboolean ask_keyframe = FALSE;
  GST_OBJECT_LOCK(self);
  if (!self->pending)
    self->pending = gst_buffer_list_new();
  for (guint i = 0; i < n && self->entries &&
                    gst_buffer_list_length(self->pending) < HISTORY_MAX_PENDING;
       i++) {
    HistoryEntry *e = &self->entries[seqnums[i] % HISTORY_PACKETS];
    /* Before the newest keyframe: the receiver decodes on from that keyframe
     * and no longer needs it; resending would only take room from what it does need. */
    if (self->have_keyframe && (gint16)(seqnums[i] - self->keyframe_seq) < 0) {
      self->missed_stale++;
      continue;
    }
    /* After a hole no resend fills, the frames up to the next keyframe cannot
     * be decoded whatever arrives: leave the link to that keyframe. */
    if (self->broken && (gint16)(seqnums[i] - self->broken_seq) > 0) {
      self->missed_broken++;
      continue;
    }
    if (e->size != 0 && e->seq == seqnums[i] && e->resent > 0 &&
        now - e->resent_us < HISTORY_RESEND_SPACING_US)
      continue; /* just sent: the NACK crossed it */
    if (e->size == 0 && e->seq == seqnums[i] && e->gap_us != 0 &&
        now - e->gap_us < HISTORY_UPSTREAM_WAIT_US) {
      self->missed_upstream++; /* lost on the sender's leg too: goes out when its resend comes */
      continue;
    }
    if (e->size == 0 || e->seq != seqnums[i] || e->resent >= HISTORY_MAX_RESENDS) {
      self->missed++;
      /* A hole after the newest keyframe that no resend can fill: the receiver
       * cannot decode on until the next keyframe, so ask for one now rather
       * than wait for its own request (Chrome asks after ~3 s). */
      if (self->codec != CODEC_NONE && (gint16)(self->newest - seqnums[i]) >= 0) {
        if (!self->broken || (gint16)(seqnums[i] - self->broken_seq) < 0)
          self->broken_seq = seqnums[i];
        self->broken = TRUE;
        ask_keyframe = !self->congested;
      }
      if (e->seq != seqnums[i])
        self->missed_unseen++;
      else if (e->size == 0 && e->why_empty == EMPTY_EXPIRED)
        self->missed_expired++;
      else if (e->size == 0 && e->gap_us == 0)
        self->missed_big++;
      else if (e->size == 0)
        self->missed_unseen++; /* missing on the way in, and given up */
      else
        self->missed_often++;
      continue;
    }
    if (self->budget) {
      self->tokens = MIN(self->tokens + (now - self->tokens_us) / 1e6 * self->budget,
                         self->budget / 2.0);
      self->tokens_us = now;
      if (self->tokens < e->size) {
        self->missed++;
        self->missed_budget++;
        continue;
      }
      self->tokens -= e->size;
    }
    e->resent++;
    e->resent_us = now;
    self->resent_bytes += e->size;
    GstBuffer *copy = gst_buffer_new_memdup(e->bytes, e->size);
    GST_BUFFER_PTS(copy) = e->pts;
    gst_buffer_list_add(self->pending, copy);
    count++;
  }
  self->resent += count;
  /* At most one request every 2 s from here (a keyframe at a low rate
   * costs the sender's encoder a second of frames); the tee's limiter
   * (forward.c) spaces the requests of all viewers of a sender. */
  if (ask_keyframe && now - self->hole_us < HISTORY_HOLE_SPACING_US)
    ask_keyframe = FALSE;
  if (ask_keyframe) {
    self->hole_us = now;
    self->holes++;
  }
  GST_OBJECT_UNLOCK(self);
  if (ask_keyframe)
    gst_pad_push_event(self->sinkpad, gw_isolate_keyframe_request());
  return count;
}

GstEvent *
gw_isolate_keyframe_request(void)
{
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM,
                              gst_structure_new("GstForceKeyUnit", "all-headers", G_TYPE_BOOLEAN,
                                                TRUE, NULL));
}

void
gw_isolate_ask_keyframe(GwIsolate *self)
{
  gst_pad_push_event(self->sinkpad, gw_isolate_keyframe_request());
}

void
gw_isolate_set_resend_budget(GwIsolate *self, guint bytes_per_second)
{
  GST_OBJECT_LOCK(self);
  if (bytes_per_second && !self->budget) {
    self->tokens = bytes_per_second / 2.0;
    self->tokens_us = g_get_monotonic_time();
  }
  self->budget = bytes_per_second;
  GST_OBJECT_UNLOCK(self);
}

void
gw_isolate_set_congested(GwIsolate *self, gboolean congested)
{
  GST_OBJECT_LOCK(self);
  self->congested = congested;
  GST_OBJECT_UNLOCK(self);
}

guint64
gw_isolate_get_resent_bytes(GwIsolate *self)
{
  GST_OBJECT_LOCK(self);
  guint64 bytes = self->resent_bytes;
  GST_OBJECT_UNLOCK(self);
  return bytes;
}

void
gw_isolate_set_open(GwIsolate *self, gboolean open)
{
  g_atomic_int_set(&self->closed, !open);
}

void
gw_isolate_set_history(GwIsolate *self, const char *video_codec)
{
  GST_OBJECT_LOCK(self);
  self->keep_history = video_codec != NULL;
  self->codec = !video_codec                         ? CODEC_NONE
                : g_ascii_strcasecmp(video_codec, "h264") == 0 ? CODEC_H264
                : g_ascii_strcasecmp(video_codec, "vp8") == 0  ? CODEC_VP8
                                                               : CODEC_NONE;
  self->have_keyframe = FALSE;
  GST_OBJECT_UNLOCK(self);
}

void
gw_isolate_set_history_keep(GwIsolate *self, guint ms)
{
  GST_OBJECT_LOCK(self);
  self->keep_us = ms ? (gint64)ms * 1000 : HISTORY_KEEP_US;
  GST_OBJECT_UNLOCK(self);
}

void
gw_isolate_set_late_input(GwIsolate *self, gboolean late_input)
{
  GST_OBJECT_LOCK(self);
  self->late_input = late_input;
  GST_OBJECT_UNLOCK(self);
}

gboolean
gw_isolate_get_ssrc(GwIsolate *self, guint32 *ssrc)
{
  GST_OBJECT_LOCK(self);
  gboolean have = self->have_ssrc;
  *ssrc = self->ssrc;
  GST_OBJECT_UNLOCK(self);
  return have;
}

char *
gw_isolate_describe_misses(GwIsolate *self)
{
  GST_OBJECT_LOCK(self);
  char *text = g_strdup_printf(
      "%" G_GUINT64_FORMAT " before a newer keyframe, %" G_GUINT64_FORMAT
      " after a hole (waiting for a keyframe), %" G_GUINT64_FORMAT
      " never kept or overwritten, %" G_GUINT64_FORMAT " kept too long ago, %" G_GUINT64_FORMAT
      " too large, %" G_GUINT64_FORMAT " resent too often, %" G_GUINT64_FORMAT
      " not arrived yet, %" G_GUINT64_FORMAT " over the budget of a full link; %" G_GUINT64_FORMAT
      " missing in what the branch got; %" G_GUINT64_FORMAT " keyframes asked for holes",
      self->missed_stale, self->missed_broken, self->missed_unseen, self->missed_expired,
      self->missed_big, self->missed_often, self->missed_upstream, self->missed_budget, self->gaps,
      self->holes);
  GST_OBJECT_UNLOCK(self);
  return text;
}

gboolean
gw_isolate_get_newest(GwIsolate *self, guint16 *seq)
{
  GST_OBJECT_LOCK(self);
  gboolean have = self->have_ssrc;
  *seq = self->newest;
  GST_OBJECT_UNLOCK(self);
  return have;
}

void
gw_isolate_get_resent(GwIsolate *self, guint64 *resent, guint64 *missed)
{
  GST_OBJECT_LOCK(self);
  *resent = self->resent;
  *missed = self->missed;
  GST_OBJECT_UNLOCK(self);
}

static void
gw_isolate_init(GwIsolate *self)
{
  self->keep_us = HISTORY_KEEP_US;
  self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
  gst_pad_set_chain_function(self->sinkpad, isolate_chain);
  gst_pad_set_chain_list_function(self->sinkpad, isolate_chain_list);
  /* Events and queries pass straight through (caps, keyframe requests). */
  GST_PAD_SET_PROXY_CAPS(self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION(self->sinkpad);
  gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
  GST_PAD_SET_PROXY_CAPS(self->srcpad);
  gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
  self->last = GST_FLOW_OK;
}

static void
gw_isolate_finalize(GObject *object)
{
  GwIsolate *self = GW_ISOLATE(object);
  history_clear(self);
  g_free(self->entries);
  if (self->pending)
    gst_buffer_list_unref(self->pending);
  G_OBJECT_CLASS(gw_isolate_parent_class)->finalize(object);
}

static void
gw_isolate_class_init(GwIsolateClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = gw_isolate_finalize;
  GstElementClass *element_class = GST_ELEMENT_CLASS(klass);
  gst_element_class_add_static_pad_template(element_class, &sink_template);
  gst_element_class_add_static_pad_template(element_class, &src_template);
  gst_element_class_set_static_metadata(element_class, "Balie branch isolation", "Generic",
                                        "Keeps a consumer's flow errors from its producer",
                                        "Balie");
}

guint64
gw_isolate_get_dropped(GwIsolate *self)
{
  return self->dropped;
}

GstElement *
gw_isolate_new(void)
{
  return g_object_new(GW_TYPE_ISOLATE, NULL);
}
