/* SPDX-License-Identifier: Apache-2.0 */
/* A pass-through element that keeps one viewer's errors from reaching the shared producer. */
#include "webrtc/isolate.h"

/*
 * Without it, a flow error from one consumer's webrtcbin (not negotiated,
 * an error state, a vanished browser) travels back through the branch queue
 * and the tee and halts the producer's receive path: every other viewer
 * loses the stream. Here such errors end: they are logged once per branch
 * and the branch drops until the consumer accepts data again.
 */
struct _GwIsolate {
  GstElement parent;
  GstPad *sinkpad;
  GstPad *srcpad;
  GstFlowReturn last; /* last result from downstream, for logging transitions */
  guint64 dropped;
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

static GstFlowReturn
isolate_chain(GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GwIsolate *self = GW_ISOLATE(parent);
  return absorb(self, gst_pad_push(self->srcpad, buffer));
}

static GstFlowReturn
isolate_chain_list(GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GwIsolate *self = GW_ISOLATE(parent);
  return absorb(self, gst_pad_push_list(self->srcpad, list));
}

static void
gw_isolate_init(GwIsolate *self)
{
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
gw_isolate_class_init(GwIsolateClass *klass)
{
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
