/* SPDX-License-Identifier: Apache-2.0 */
/* balie-loadgen: N concurrent 1:1 calls against a running gateway (Balie or Janus
 * VideoCall) with pre-encoded media; prints one JSON object of measurements. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench-rogue.h"
#include "bench-signal.h"

typedef struct {
  gint64 ticks; /* utime + stime */
  gint64 rss_kb;
  gint64 threads;
} ProcSample;

static gboolean
proc_sample(int pid, ProcSample *out)
{
  g_autofree char *stat_path =
      pid ? g_strdup_printf("/proc/%d/stat", pid) : g_strdup("/proc/self/stat");
  g_autofree char *status_path =
      pid ? g_strdup_printf("/proc/%d/status", pid) : g_strdup("/proc/self/status");
  g_autofree char *stat = NULL, *status = NULL;
  if (!g_file_get_contents(stat_path, &stat, NULL, NULL) ||
      !g_file_get_contents(status_path, &status, NULL, NULL))
    return FALSE;
  /* Fields after the command name, which may hold spaces: state is field 3. */
  const char *p = strrchr(stat, ')');
  if (!p)
    return FALSE;
  g_auto(GStrv) f = g_strsplit(p + 2, " ", -1);
  if (g_strv_length(f) < 18)
    return FALSE;
  out->ticks = g_ascii_strtoll(f[11], NULL, 10) + g_ascii_strtoll(f[12], NULL, 10);
  out->threads = g_ascii_strtoll(f[17], NULL, 10);
  const char *rss = strstr(status, "VmRSS:");
  out->rss_kb = rss ? g_ascii_strtoll(rss + 6, NULL, 10) : 0;
  return TRUE;
}

/* Busy and total jiffies of the whole machine (all CPUs), from /proc/stat. */
static gboolean
machine_sample(gint64 *busy, gint64 *total)
{
  g_autofree char *stat = NULL;
  if (!g_file_get_contents("/proc/stat", &stat, NULL, NULL) || !g_str_has_prefix(stat, "cpu "))
    return FALSE;
  g_auto(GStrv) f = g_strsplit_set(stat + 4, " \n", 12);
  gint64 v[10] = {0};
  guint n = 0;
  for (guint i = 0; f[i] && n < 10; i++)
    if (*f[i])
      v[n++] = g_ascii_strtoll(f[i], NULL, 10);
  *total = 0;
  for (guint i = 0; i < 8; i++) /* user nice system idle iowait irq softirq steal */
    *total += v[i];
  *busy = *total - v[3] - v[4];
  return TRUE;
}

/* UDP datagrams this network namespace dropped because a socket's receive buffer
 * was full: a reader thread (gateway or load generator) that fell behind. */
static gint64
udp_rcvbuf_errors(void)
{
  g_autofree char *snmp = NULL;
  if (!g_file_get_contents("/proc/net/snmp", &snmp, NULL, NULL))
    return -1;
  g_auto(GStrv) lines = g_strsplit(snmp, "\n", -1);
  for (guint i = 0; lines[i] && lines[i + 1]; i++) {
    if (!g_str_has_prefix(lines[i], "Udp: ") || !g_str_has_prefix(lines[i + 1], "Udp: "))
      continue;
    g_auto(GStrv) names = g_strsplit(lines[i], " ", -1);
    g_auto(GStrv) values = g_strsplit(lines[i + 1], " ", -1);
    for (guint k = 0; names[k] && values[k]; k++)
      if (g_str_equal(names[k], "RcvbufErrors"))
        return g_ascii_strtoll(values[k], NULL, 10);
  }
  return -1;
}

/* ---- options ---- */

static char *opt_url;
static char *opt_protocol = "balie";
static char *opt_media = "bench-media.mkv";
static char *opt_extra_ip;
static gint opt_calls = 1;
static gint opt_ramp_ms = 200;
static gint opt_setup_timeout = 60;
static gint opt_settle = 5;
static gint opt_window = 15;
static gint opt_gateway_pid;
static gint opt_rogue_ssrcs;
static BenchRogue *rogue; /* the first call's first peer, with --rogue-ssrcs */

static GOptionEntry entries[] = {
    {"url", 0, 0, G_OPTION_ARG_STRING, &opt_url, "gateway WebSocket URL", "URL"},
    {"protocol", 0, 0, G_OPTION_ARG_STRING, &opt_protocol,
     "balie, janus or direct (no gateway: a baseline)", "P"},
    {"media", 0, 0, G_OPTION_ARG_FILENAME, &opt_media, "media file (made if missing)", "FILE"},
    {"extra-ip", 0, 0, G_OPTION_ARG_STRING, &opt_extra_ip,
     "address to add to every ICE agent (e.g. 127.0.0.1)", "IP"},
    {"calls", 0, 0, G_OPTION_ARG_INT, &opt_calls, "concurrent 1:1 calls", "N"},
    {"ramp-ms", 0, 0, G_OPTION_ARG_INT, &opt_ramp_ms, "ms between call starts", "MS"},
    {"setup-timeout", 0, 0, G_OPTION_ARG_INT, &opt_setup_timeout,
     "seconds to wait for every call to carry video", "S"},
    {"settle", 0, 0, G_OPTION_ARG_INT, &opt_settle, "seconds to wait before measuring", "S"},
    {"window", 0, 0, G_OPTION_ARG_INT, &opt_window, "measurement window in seconds", "S"},
    {"gateway-pid", 0, 0, G_OPTION_ARG_INT, &opt_gateway_pid, "gateway process to sample", "PID"},
    {"rogue-ssrcs", 0, 0, G_OPTION_ARG_INT, &opt_rogue_ssrcs,
     "abuse test: the first call's first peer also sends audio on N foreign SSRCs per kind "
     "(un-negotiated payload type, negotiated one)", "N"},
    G_OPTION_ENTRY_NULL,
};

/* ---- the feeder: one thread paces every peer's pre-encoded frames ---- */

static GPtrArray *feed_peers; /* BenchPeer, under feed_lock */
static GMutex feed_lock;
static gint feed_stop;

static gpointer
feeder(gpointer data)
{
  while (!g_atomic_int_get(&feed_stop)) {
    gint64 now = g_get_monotonic_time();
    g_mutex_lock(&feed_lock);
    for (guint i = 0; i < feed_peers->len; i++)
      bench_peer_feed(g_ptr_array_index(feed_peers, i), now);
    g_mutex_unlock(&feed_lock);
    g_usleep(2000);
  }
  return NULL;
}

/* ---- the run ---- */

typedef struct {
  BenchCallSetup setup;
  GPtrArray *calls; /* BenchCall */
  GMainLoop *loop;
  guint started;
  GError *error;
} Run;

static gboolean
start_next_call(gpointer data)
{
  Run *run = data;
  if (run->started >= (guint)opt_calls)
    return G_SOURCE_REMOVE;
  BenchCall *call = bench_call_start(&run->setup, run->started, &run->error);
  if (!call) {
    g_main_loop_quit(run->loop);
    return G_SOURCE_REMOVE;
  }
  g_ptr_array_add(run->calls, call);
  if (run->started == 0 && opt_rogue_ssrcs > 0)
    rogue = bench_rogue_attach(bench_peer_get_webrtc(bench_call_peer(call, 0)), "sink_0",
                               (guint)opt_rogue_ssrcs);
  g_mutex_lock(&feed_lock);
  g_ptr_array_add(feed_peers, bench_call_peer(call, 0));
  g_ptr_array_add(feed_peers, bench_call_peer(call, 1));
  g_mutex_unlock(&feed_lock);
  run->started++;
  return run->started < (guint)opt_calls ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
call_is_up(BenchCall *call)
{
  return bench_peer_first_video_us(bench_call_peer(call, 0)) &&
         bench_peer_first_video_us(bench_call_peer(call, 1));
}

static guint
calls_up(Run *run)
{
  guint up = 0;
  for (guint i = 0; i < run->calls->len; i++)
    up += call_is_up(g_ptr_array_index(run->calls, i));
  return up;
}

static void
iterate_for(gint64 us, gboolean (*done)(Run *), Run *run)
{
  gint64 deadline = g_get_monotonic_time() + us;
  while (g_get_monotonic_time() < deadline && !(done && done(run))) {
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
}

static gboolean
all_up(Run *run)
{
  return run->error || (run->started == (guint)opt_calls && calls_up(run) == run->calls->len);
}

typedef struct {
  BenchStreamSnapshot rx_video, rx_audio, tx_video, tx_audio;
} PeerSnap;

static void
snap_peers(Run *run, PeerSnap *snaps)
{
  for (guint i = 0; i < run->calls->len; i++)
    for (guint w = 0; w < 2; w++) {
      BenchPeer *peer = bench_call_peer(g_ptr_array_index(run->calls, i), w);
      PeerSnap *s = &snaps[i * 2 + w];
      s->rx_video = bench_stream_snapshot(bench_peer_rx_video(peer));
      s->rx_audio = bench_stream_snapshot(bench_peer_rx_audio(peer));
      s->tx_video = bench_stream_snapshot(bench_peer_tx_video(peer));
      s->tx_audio = bench_stream_snapshot(bench_peer_tx_audio(peer));
    }
}

static int
compare_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
quantile(double *v, guint n, double q)
{
  if (n == 0)
    return -1;
  qsort(v, n, sizeof *v, compare_double);
  guint i = (guint)(q * (n - 1) + 0.5);
  return v[MIN(i, n - 1)];
}

typedef struct {
  guint64 rx, expected, tx;
  double jitter_rx_sum, jitter_tx_sum, jitter_rx_max;
  guint streams;
} KindTotals;

static void
add_kind(KindTotals *k, const BenchStreamSnapshot *rx0, const BenchStreamSnapshot *rx1,
         const BenchStreamSnapshot *tx0, const BenchStreamSnapshot *tx1)
{
  k->rx += rx1->packets - rx0->packets;
  k->expected += rx1->expected - rx0->expected;
  k->tx += tx1->packets - tx0->packets;
  k->jitter_rx_sum += rx1->jitter_ms;
  k->jitter_tx_sum += tx1->jitter_ms;
  k->jitter_rx_max = MAX(k->jitter_rx_max, rx1->jitter_ms);
  k->streams++;
}

static void
print_kind(const char *name, const KindTotals *k)
{
  /* Loss by sequence gaps at the receivers, and by counting what the partners sent. */
  double seq_loss =
      k->expected ? 100.0 * (double)((gint64)k->expected - (gint64)k->rx) / (double)k->expected
                  : -1;
  double count_loss = k->tx ? 100.0 * (double)((gint64)k->tx - (gint64)k->rx) / (double)k->tx : -1;
  printf("\"%s\":{\"packets_sent\":%" G_GUINT64_FORMAT ",\"packets_received\":%" G_GUINT64_FORMAT
         ",\"packets_expected\":%" G_GUINT64_FORMAT ",\"loss_seq_pct\":%.3f,"
         "\"loss_count_pct\":%.3f,\"jitter_rx_ms\":%.3f,\"jitter_rx_max_ms\":%.3f,"
         "\"jitter_tx_ms\":%.3f}",
         name, k->tx, k->rx, k->expected, seq_loss, count_loss,
         k->streams ? k->jitter_rx_sum / k->streams : -1, k->jitter_rx_max,
         k->streams ? k->jitter_tx_sum / k->streams : -1);
}

static int
run_main(Run *run)
{
  g_autoptr(GError) error = NULL;
  if (!g_file_test(opt_media, G_FILE_TEST_EXISTS)) {
    g_message("making %s (once)", opt_media);
    if (!bench_media_make(opt_media, 10, &error)) {
      g_printerr("loadgen: %s\n", error->message);
      return 1;
    }
  }
  run->setup.media = bench_media_load(opt_media, &error);
  if (!run->setup.media) {
    g_printerr("loadgen: %s\n", error->message);
    return 1;
  }
  feed_peers = g_ptr_array_new();
  GThread *feed_thread = g_thread_new("feeder", feeder, NULL);

  gint64 t_start = g_get_monotonic_time();
  start_next_call(run);
  if (opt_calls > 1)
    g_timeout_add(opt_ramp_ms, start_next_call, run);
  iterate_for((gint64)opt_setup_timeout * G_USEC_PER_SEC + (gint64)opt_calls * opt_ramp_ms * 1000,
              all_up, run);
  if (run->error) {
    g_printerr("loadgen: %s\n", run->error->message);
    return 1;
  }
  guint up = calls_up(run);
  g_message("%u of %d calls carry video after %.1f s", up, opt_calls,
            (g_get_monotonic_time() - t_start) / 1e6);

  /* Set-up time: the call's first socket opening to video arriving at both ends. */
  g_autofree double *setup = g_new0(double, run->calls->len);
  guint n_setup = 0;
  for (guint i = 0; i < run->calls->len; i++) {
    BenchCall *call = g_ptr_array_index(run->calls, i);
    if (!call_is_up(call))
      continue;
    gint64 t = MAX(bench_peer_first_video_us(bench_call_peer(call, 0)),
                   bench_peer_first_video_us(bench_call_peer(call, 1)));
    setup[n_setup++] = (t - bench_call_started_us(call)) / 1000.0;
  }

  iterate_for((gint64)opt_settle * G_USEC_PER_SEC, NULL, run);

  guint n_peers = run->calls->len * 2;
  g_autofree PeerSnap *before = g_new0(PeerSnap, n_peers);
  g_autofree PeerSnap *after = g_new0(PeerSnap, n_peers);
  ProcSample gw0 = {0}, gw1 = {0}, me0 = {0}, me1 = {0};
  gboolean have_gw = opt_gateway_pid && proc_sample(opt_gateway_pid, &gw0);
  proc_sample(0, &me0);
  gint64 busy0 = 0, total0 = 0, busy1 = 0, total1 = 0;
  machine_sample(&busy0, &total0);
  gint64 rcvbuf0 = udp_rcvbuf_errors();
  snap_peers(run, before);
  bench_delays_reset(run->setup.delays);
  g_atomic_int_set(&bench_peer_measuring, 1);
  gint64 w0 = g_get_monotonic_time();
  iterate_for((gint64)opt_window * G_USEC_PER_SEC, NULL, run);
  g_atomic_int_set(&bench_peer_measuring, 0);
  gint64 w1 = g_get_monotonic_time();
  snap_peers(run, after);
  have_gw = have_gw && proc_sample(opt_gateway_pid, &gw1);
  proc_sample(0, &me1);
  machine_sample(&busy1, &total1);
  gint64 rcvbuf1 = udp_rcvbuf_errors();
  double window_s = (w1 - w0) / 1e6;
  double tick = (double)sysconf(_SC_CLK_TCK);

  KindTotals video = {0}, audio = {0};
  guint errors = 0;
  for (guint i = 0; i < run->calls->len; i++) {
    BenchCall *call = g_ptr_array_index(run->calls, i);
    errors += bench_call_errors(call);
    if (!call_is_up(call))
      continue;
    for (guint w = 0; w < 2; w++) {
      guint me = i * 2 + w, partner = i * 2 + (1 - w);
      add_kind(&video, &before[me].rx_video, &after[me].rx_video, &before[partner].tx_video,
               &after[partner].tx_video);
      add_kind(&audio, &before[me].rx_audio, &after[me].rx_audio, &before[partner].tx_audio,
               &after[partner].tx_audio);
    }
  }

  printf("{\"protocol\":\"%s\",\"calls\":%d,\"calls_up\":%u,\"errors\":%u,\"window_s\":%.2f,",
         opt_protocol, opt_calls, up, errors, window_s);
  printf("\"setup_ms\":{\"p50\":%.1f,\"p95\":%.1f,\"max\":%.1f},", quantile(setup, n_setup, 0.5),
         quantile(setup, n_setup, 0.95), quantile(setup, n_setup, 1.0));
  if (have_gw)
    printf("\"gateway\":{\"cpu_pct\":%.2f,\"rss_kb\":%" G_GINT64_FORMAT
           ",\"threads\":%" G_GINT64_FORMAT "},",
           100.0 * (gw1.ticks - gw0.ticks) / tick / window_s, gw1.rss_kb, gw1.threads);
  printf("\"loadgen\":{\"cpu_pct\":%.2f,\"rss_kb\":%" G_GINT64_FORMAT
         ",\"threads\":%" G_GINT64_FORMAT "},",
         100.0 * (me1.ticks - me0.ticks) / tick / window_s, me1.rss_kb, me1.threads);
  /* Everything else the machine did meanwhile (other jobs, kernel softirq for our UDP):
   * a run with much of it is a noisy run. */
  double machine_pct = 100.0 * (busy1 - busy0) / tick / window_s;
  double gw_pct = have_gw ? 100.0 * (gw1.ticks - gw0.ticks) / tick / window_s : 0;
  printf("\"machine\":{\"cpus\":%ld,\"busy_pct\":%.1f,\"others_pct\":%.1f},",
         sysconf(_SC_NPROCESSORS_ONLN), machine_pct,
         machine_pct - gw_pct - 100.0 * (me1.ticks - me0.ticks) / tick / window_s);
  printf("\"udp_rcvbuf_errors\":%" G_GINT64_FORMAT ",",
         rcvbuf0 >= 0 && rcvbuf1 >= 0 ? rcvbuf1 - rcvbuf0 : -1);
  if (opt_rogue_ssrcs > 0)
    printf("\"rogue_packets\":%" G_GUINT64_FORMAT ",", bench_rogue_rewritten(rogue));
  print_kind("video", &video);
  printf(",");
  print_kind("audio", &audio);
  printf(",\"delay_ms\":{\"samples\":%" G_GUINT64_FORMAT ",\"p50\":%.2f,\"p99\":%.2f,"
         "\"max\":%.2f}}\n",
         bench_delays_count(run->setup.delays), bench_delays_quantile(run->setup.delays, 0.5),
         bench_delays_quantile(run->setup.delays, 0.99),
         bench_delays_quantile(run->setup.delays, 1.0));
  fflush(stdout);

  g_atomic_int_set(&feed_stop, 1);
  g_thread_join(feed_thread);
  g_mutex_lock(&feed_lock);
  g_ptr_array_set_size(feed_peers, 0);
  g_mutex_unlock(&feed_lock);
  g_ptr_array_unref(run->calls);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_ptr_array_unref(feed_peers);
  bench_media_free(run->setup.media);
  return 0;
}

int
main(int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new("- Balie/Janus load generator");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("loadgen: %s\n", error->message);
    return 2;
  }
  if ((!opt_url && g_strcmp0(opt_protocol, "direct") != 0) || opt_calls < 1) {
    g_printerr("loadgen: --url and --calls >= 1 are needed (see --help)\n");
    return 2;
  }
  gst_init(NULL, NULL);
  Run run = {0};
  if (g_str_equal(opt_protocol, "janus"))
    run.setup.protocol = BENCH_PROTOCOL_JANUS;
  else if (g_str_equal(opt_protocol, "direct"))
    run.setup.protocol = BENCH_PROTOCOL_DIRECT;
  else if (g_str_equal(opt_protocol, "balie"))
    run.setup.protocol = BENCH_PROTOCOL_BALIE;
  else {
    g_printerr("loadgen: --protocol must be balie, janus or direct\n");
    return 2;
  }
  run.setup.url = opt_url;
  run.setup.extra_ip = opt_extra_ip;
  run.setup.run_id = (guint)getpid();
  run.setup.delays = bench_delays_new();
  run.setup.session = soup_session_new_with_options("max-conns", 100000, "max-conns-per-host",
                                                    100000, "timeout", 30, NULL);
  /* Loopback only: no proxy lookup (libproxy also throws C++ exceptions ASan trips on). */
  soup_session_set_proxy_resolver(run.setup.session, NULL);
  run.calls = g_ptr_array_new_with_free_func((GDestroyNotify)bench_call_free);
  run.loop = g_main_loop_new(NULL, FALSE);
  int rc = run_main(&run);
  g_main_loop_unref(run.loop);
  g_object_unref(run.setup.session);
  bench_delays_free(run.setup.delays);
  g_clear_error(&run.error);
  return rc;
}
