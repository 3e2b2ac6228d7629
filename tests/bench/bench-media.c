/* SPDX-License-Identifier: Apache-2.0 */
/* Making the benchmark's media file once, and reading it into memory once. */
#include "bench-media.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>

static gboolean
run_to_eos(GstElement *pipeline, GError **error)
{
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) msg =
      gst_bus_timed_pop_filtered(bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gboolean ok = msg && GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS;
  if (!ok) {
    g_autoptr(GError) err = NULL;
    if (msg)
      gst_message_parse_error(msg, &err, NULL);
    g_set_error(error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "media pipeline: %s",
                err ? err->message : "timed out");
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return ok;
}

gboolean
bench_media_make(const char *path, guint seconds, GError **error)
{
  g_autofree char *tmp = g_strdup_printf("%s.part", path);
  g_autofree char *desc = g_strdup_printf(
      "videotestsrc num-buffers=%u pattern=zone-plate kx2=20 ky2=20 kt=1 ! "
      "video/x-raw,width=640,height=480,framerate=30/1 ! "
      "vp8enc target-bitrate=1000000 end-usage=cbr keyframe-max-dist=90 deadline=1 "
      "cpu-used=4 threads=2 ! queue ! mux. "
      "audiotestsrc num-buffers=%u samplesperbuffer=960 wave=sine freq=440 volume=0.3 ! "
      "audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=32000 frame-size=20 ! queue ! mux. "
      "matroskamux name=mux ! filesink location=\"%s\"",
      seconds * 30, seconds * 50, tmp);
  GstElement *pipeline = gst_parse_launch(desc, error);
  if (!pipeline)
    return FALSE;
  gboolean ok = run_to_eos(pipeline, error);
  gst_object_unref(pipeline);
  if (ok && g_rename(tmp, path) != 0) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot rename %s", tmp);
    ok = FALSE;
  }
  return ok;
}

static void
track_clear(BenchTrack *t)
{
  gst_clear_caps(&t->caps);
  g_clear_pointer(&t->frames, g_ptr_array_unref);
}

void
bench_media_free(BenchMedia *media)
{
  if (!media)
    return;
  track_clear(&media->video);
  track_clear(&media->audio);
  g_free(media);
}

static GstFlowReturn
on_sample(GstAppSink *sink, gpointer data)
{
  BenchTrack *t = data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
  if (!sample)
    return GST_FLOW_ERROR;
  if (!t->caps)
    t->caps = gst_caps_copy(gst_sample_get_caps(sample));
  GstBuffer *buf = gst_sample_get_buffer(sample);
  GstClockTime end =
      GST_BUFFER_PTS(buf) + (GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : 0);
  if (end > t->period)
    t->period = end;
  g_ptr_array_add(t->frames, gst_buffer_ref(buf));
  return GST_FLOW_OK;
}

BenchMedia *
bench_media_load(const char *path, GError **error)
{
  g_autofree char *desc = g_strdup_printf("filesrc location=\"%s\" ! matroskademux name=d "
                                          "d.video_0 ! queue ! appsink name=v sync=false "
                                          "d.audio_0 ! queue ! appsink name=a sync=false",
                                          path);
  GstElement *pipeline = gst_parse_launch(desc, error);
  if (!pipeline)
    return NULL;
  BenchMedia *media = g_new0(BenchMedia, 1);
  media->video.frames = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
  media->audio.frames = g_ptr_array_new_with_free_func((GDestroyNotify)gst_buffer_unref);
  GstAppSinkCallbacks cb = {.new_sample = on_sample};
  g_autoptr(GstElement) v = gst_bin_get_by_name(GST_BIN(pipeline), "v");
  g_autoptr(GstElement) a = gst_bin_get_by_name(GST_BIN(pipeline), "a");
  gst_app_sink_set_callbacks(GST_APP_SINK(v), &cb, &media->video, NULL);
  gst_app_sink_set_callbacks(GST_APP_SINK(a), &cb, &media->audio, NULL);
  gboolean ok = run_to_eos(pipeline, error);
  gst_object_unref(pipeline);
  if (ok && (media->video.frames->len == 0 || media->audio.frames->len == 0)) {
    g_set_error(error, GST_STREAM_ERROR, GST_STREAM_ERROR_DEMUX, "%s lacks audio or video", path);
    ok = FALSE;
  }
  if (!ok) {
    bench_media_free(media);
    return NULL;
  }
  /* One loop lasts as long as the longer track, so both restart together. */
  GstClockTime period = MAX(media->video.period, media->audio.period);
  media->video.period = media->audio.period = period;
  return media;
}
