/* SPDX-License-Identifier: Apache-2.0 */
/* Probing the configured TURN servers: a STUN Binding over UDP (libnice) or a TCP connect. */
#include "gateway/turn-watch.h"

#include <gio/gio.h>
#include <string.h>
#include <stun/stunagent.h>
#include <stun/usages/bind.h>

/* Binding requests per UDP probe, spread over its timeout (RFC 5389 retransmits too). */
#define TURN_PROBE_SENDS 3
#define TURN_DEFAULT_PORT 3478
#define TURNS_DEFAULT_PORT 5349
/* A Binding response is small; anything larger is not one. */
#define TURN_RESPONSE_MAX 1280

typedef enum {
  TARGET_CHECKING,
  TARGET_UP,
  TARGET_DOWN,
} TargetState;

typedef struct {
  GwTurnTarget where;
  char *label;        /* "HOST:PORT", IPv6 in [ ] */
  GwTurnWatch *watch; /* not owned */
  TargetState state;
  /* The probe in flight; all NULL or 0 between probes. */
  GCancellable *cancellable;
  GSocket *socket;
  GSource *readable;
  guint deadline;
  guint resend;
  guint sends;
  StunAgent agent;
  StunMessage request;
  uint8_t request_buffer[STUN_MAX_MESSAGE_SIZE_IPV6];
  gsize request_length;
} Target;

/* Reference-counted: an asynchronous resolve or connect in flight holds a reference. */
struct _GwTurnWatch {
  GPtrArray *targets; /* of Target */
  GSocketClient *client;
  guint timeout_ms;
  guint timer;
  gboolean closed;
};

static void
target_clear(GwTurnTarget *where)
{
  g_free(where->host);
}

static void
target_free(gpointer data)
{
  GwTurnTarget *where = data;

  target_clear(where);
  g_free(where);
}

/* turn:HOST[:PORT][?transport=udp|tcp] or turns:..., already checked by config/turn-url.c. */
static gboolean
target_parse(const char *url, GwTurnTarget *where)
{
  gboolean secure = g_ascii_strncasecmp(url, "turns:", 6) == 0;
  const char *rest = url + (secure ? 6 : 5);
  const char *query = strchr(rest, '?');
  g_autofree char *authority =
      g_strndup(rest, query != NULL ? (gsize)(query - rest) : strlen(rest));
  const char *port = NULL;
  guint64 value;

  if (!secure && g_ascii_strncasecmp(url, "turn:", 5) != 0)
    return FALSE;
  where->tcp = secure || (query != NULL && g_ascii_strcasecmp(query, "?transport=tcp") == 0);
  if (authority[0] == '[') {
    char *close = strchr(authority, ']');

    if (close == NULL)
      return FALSE;
    *close = '\0';
    where->host = g_strdup(authority + 1);
    if (close[1] == ':')
      port = close + 2;
  } else {
    char *colon = strchr(authority, ':');

    if (colon != NULL) {
      *colon = '\0';
      port = colon + 1;
    }
    where->host = g_strdup(authority);
  }
  where->port = secure ? TURNS_DEFAULT_PORT : TURN_DEFAULT_PORT;
  if (port != NULL) {
    if (!g_ascii_string_to_unsigned(port, 10, 1, 65535, &value, NULL)) {
      g_clear_pointer(&where->host, g_free);
      return FALSE;
    }
    where->port = (guint16)value;
  }
  return where->host[0] != '\0';
}

GPtrArray *
gw_turn_watch_targets(const char *const *urls)
{
  GPtrArray *targets = g_ptr_array_new_with_free_func(target_free);

  for (guint i = 0; urls != NULL && urls[i] != NULL; i++) {
    GwTurnTarget where = {0};
    gboolean seen = FALSE;

    if (!target_parse(urls[i], &where))
      continue;
    for (guint j = 0; j < targets->len && !seen; j++) {
      GwTurnTarget *other = g_ptr_array_index(targets, j);

      seen = other->port == where.port && other->tcp == where.tcp &&
             g_ascii_strcasecmp(other->host, where.host) == 0;
    }
    if (seen) {
      target_clear(&where);
      continue;
    }
    g_ptr_array_add(targets, g_memdup2(&where, sizeof where));
  }
  return targets;
}

const char *
gw_turn_state_name(GwTurnState state)
{
  switch (state) {
  case GW_TURN_NOT_CONFIGURED:
    return "not-configured";
  case GW_TURN_CHECKING:
    return "checking";
  case GW_TURN_OK:
    return "ok";
  case GW_TURN_PARTIAL:
    return "partial";
  case GW_TURN_UNAVAILABLE:
    return "unavailable";
  }
  g_assert_not_reached();
}

static GwTurnWatch *
watch_ref(GwTurnWatch *watch)
{
  return g_rc_box_acquire(watch);
}

static void
watch_clear(gpointer data)
{
  GwTurnWatch *watch = data;

  g_ptr_array_unref(watch->targets);
  g_clear_object(&watch->client);
}

static void
watch_unref(GwTurnWatch *watch)
{
  g_rc_box_release_full(watch, watch_clear);
}

static const char *
transport_name(const Target *target)
{
  return target->where.tcp ? "tcp" : "udp";
}

/* Ends the probe in flight, if any: no callback of it touches the target afterwards. */
static void
probe_stop(Target *target)
{
  if (target->cancellable != NULL)
    g_cancellable_cancel(target->cancellable);
  g_clear_object(&target->cancellable);
  if (target->readable != NULL)
    g_source_destroy(target->readable);
  g_clear_pointer(&target->readable, g_source_unref);
  g_clear_handle_id(&target->deadline, g_source_remove);
  g_clear_handle_id(&target->resend, g_source_remove);
  if (target->socket != NULL)
    g_socket_close(target->socket, NULL);
  g_clear_object(&target->socket);
}

/* The probe's outcome: one log line when the server's state changes. */
static void
probe_done(Target *target, gboolean up, const char *why)
{
  TargetState state = up ? TARGET_UP : TARGET_DOWN;

  probe_stop(target);
  if (state == target->state)
    return;
  if (!up)
    g_warning("TURN server %s (%s) does not answer: %s; no call can be relayed through it",
              target->label, transport_name(target), why);
  else if (target->state == TARGET_DOWN)
    g_message("TURN server %s (%s) answers again", target->label, transport_name(target));
  else
    g_info("TURN server %s (%s) answers", target->label, transport_name(target));
  target->state = state;
}

static gboolean
on_deadline(gpointer data)
{
  Target *target = data;

  target->deadline = 0;
  probe_done(target, FALSE,
             target->where.tcp ? "no connection within the timeout"
                               : "no STUN answer within the timeout");
  return G_SOURCE_REMOVE;
}

static void
udp_send(Target *target)
{
  g_autoptr(GError) error = NULL;

  target->sends++;
  if (g_socket_send(target->socket, (const char *)target->request_buffer, target->request_length,
                    NULL, &error) < 0 &&
      !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    probe_done(target, FALSE, error->message);
}

static gboolean
on_resend(gpointer data)
{
  Target *target = data;

  if (target->sends >= TURN_PROBE_SENDS) {
    target->resend = 0;
    return G_SOURCE_REMOVE;
  }
  /* A send error ends the probe, which removes this source. */
  udp_send(target);
  return G_SOURCE_CONTINUE;
}

/* A datagram from the server: the Binding success response to our request ends the probe. */
static gboolean
on_readable(GSocket *socket, GIOCondition condition, gpointer data)
{
  Target *target = data;
  uint8_t buffer[TURN_RESPONSE_MAX];
  g_autoptr(GError) error = NULL;
  StunMessage response;
  struct sockaddr_storage mapped, alternate;
  socklen_t mapped_length = sizeof mapped, alternate_length = sizeof alternate;
  gssize length = g_socket_receive(socket, (char *)buffer, sizeof buffer, NULL, &error);

  if (length < 0) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
      return G_SOURCE_CONTINUE;
    /* ECONNREFUSED from an ICMP port unreachable: nothing listens there. */
    probe_done(target, FALSE, error->message);
    return G_SOURCE_REMOVE;
  }
  if (stun_agent_validate(&target->agent, &response, buffer, (size_t)length, NULL, NULL) !=
          STUN_VALIDATION_SUCCESS ||
      stun_usage_bind_process(&response, (struct sockaddr *)&mapped, &mapped_length,
                              (struct sockaddr *)&alternate,
                              &alternate_length) != STUN_USAGE_BIND_RETURN_SUCCESS)
    return G_SOURCE_CONTINUE; /* not our answer: keep waiting until the deadline */
  probe_done(target, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
udp_start(Target *target, GSocketAddress *address)
{
  static const uint16_t known[] = {STUN_ATTRIBUTE_MAPPED_ADDRESS, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
                                   STUN_ATTRIBUTE_ERROR_CODE,     STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
                                   STUN_ATTRIBUTE_FINGERPRINT,    0};
  g_autoptr(GError) error = NULL;

  target->socket = g_socket_new(g_socket_address_get_family(address), G_SOCKET_TYPE_DATAGRAM,
                                G_SOCKET_PROTOCOL_UDP, &error);
  /* Connected, so that an ICMP port unreachable comes back as ECONNREFUSED at once. */
  if (target->socket == NULL || !g_socket_connect(target->socket, address, NULL, &error)) {
    probe_done(target, FALSE, error->message);
    return;
  }
  g_socket_set_blocking(target->socket, FALSE);
  stun_agent_init(&target->agent, known, STUN_COMPATIBILITY_RFC5389,
                  STUN_AGENT_USAGE_USE_FINGERPRINT | STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
  target->request_length = stun_usage_bind_create(
      &target->agent, &target->request, target->request_buffer, sizeof target->request_buffer);
  target->readable = g_socket_create_source(target->socket, G_IO_IN | G_IO_ERR, NULL);
  g_source_set_callback(target->readable, G_SOURCE_FUNC(on_readable), target, NULL);
  g_source_attach(target->readable, NULL);
  target->sends = 0;
  target->resend =
      g_timeout_add(MAX(1, target->watch->timeout_ms / TURN_PROBE_SENDS), on_resend, target);
  udp_send(target);
}

static void
on_connected(GObject *source, GAsyncResult *result, gpointer data)
{
  Target *target = data;
  GwTurnWatch *watch = target->watch;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection =
      g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &error);

  if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && !watch->closed) {
    if (connection != NULL)
      g_io_stream_close(G_IO_STREAM(connection), NULL, NULL);
    probe_done(target, connection != NULL, error != NULL ? error->message : NULL);
  }
  watch_unref(watch);
}

static void
on_resolved(GObject *source, GAsyncResult *result, gpointer data)
{
  Target *target = data;
  GwTurnWatch *watch = target->watch;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address =
      g_socket_address_enumerator_next_finish(G_SOCKET_ADDRESS_ENUMERATOR(source), result, &error);

  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || watch->closed) {
    watch_unref(watch);
    return;
  }
  if (address == NULL) {
    g_autofree char *why = g_strdup_printf("cannot resolve %s: %s", target->where.host,
                                           error != NULL ? error->message : "no address");

    probe_done(target, FALSE, why);
  } else if (target->where.tcp) {
    g_socket_client_connect_async(watch->client, G_SOCKET_CONNECTABLE(address), target->cancellable,
                                  on_connected, target);
    return; /* the reference goes on with the connect */
  } else {
    udp_start(target, address);
  }
  watch_unref(watch);
}

static void
probe_start(Target *target)
{
  g_autoptr(GSocketConnectable) connectable =
      g_network_address_new(target->where.host, target->where.port);
  g_autoptr(GSocketAddressEnumerator) addresses = g_socket_connectable_enumerate(connectable);

  target->cancellable = g_cancellable_new();
  target->deadline = g_timeout_add(target->watch->timeout_ms, on_deadline, target);
  g_socket_address_enumerator_next_async(addresses, target->cancellable, on_resolved, target);
  watch_ref(target->watch);
}

static gboolean
on_round(gpointer data)
{
  GwTurnWatch *watch = data;

  for (guint i = 0; i < watch->targets->len; i++) {
    Target *target = g_ptr_array_index(watch->targets, i);

    if (target->cancellable == NULL)
      probe_start(target);
  }
  return G_SOURCE_CONTINUE;
}

static void
watch_target_free(gpointer data)
{
  Target *target = data;

  probe_stop(target);
  target_clear(&target->where);
  g_free(target->label);
  g_free(target);
}

GwTurnWatch *
gw_turn_watch_new(const char *const *urls, guint interval_ms, guint timeout_ms)
{
  GwTurnWatch *watch;
  g_autoptr(GPtrArray) wheres = NULL;

  g_return_val_if_fail(timeout_ms > 0 && timeout_ms < interval_ms, NULL);

  watch = g_rc_box_new0(GwTurnWatch);
  wheres = gw_turn_watch_targets(urls);
  watch->timeout_ms = timeout_ms;
  watch->targets = g_ptr_array_new_with_free_func(watch_target_free);
  watch->client = g_socket_client_new();
  g_socket_client_set_enable_proxy(watch->client, FALSE);
  g_socket_client_set_timeout(watch->client, MAX(1, timeout_ms / 1000));
  for (guint i = 0; i < wheres->len; i++) {
    GwTurnTarget *where = g_ptr_array_index(wheres, i);
    Target *target = g_new0(Target, 1);

    target->where = *where;
    where->host = NULL; /* moved */
    target->label = strchr(target->where.host, ':') != NULL
                        ? g_strdup_printf("[%s]:%u", target->where.host, target->where.port)
                        : g_strdup_printf("%s:%u", target->where.host, target->where.port);
    target->watch = watch;
    target->state = TARGET_CHECKING;
    g_ptr_array_add(watch->targets, target);
  }
  if (watch->targets->len > 0) {
    watch->timer = g_timeout_add(interval_ms, on_round, watch);
    on_round(watch);
  }
  return watch;
}

GwTurnState
gw_turn_watch_get_state(GwTurnWatch *watch)
{
  guint up = 0, down = 0, n = watch->targets->len;

  if (n == 0)
    return GW_TURN_NOT_CONFIGURED;
  for (guint i = 0; i < n; i++) {
    Target *target = g_ptr_array_index(watch->targets, i);

    up += target->state == TARGET_UP;
    down += target->state == TARGET_DOWN;
  }
  if (down == n)
    return GW_TURN_UNAVAILABLE;
  if (down > 0)
    return GW_TURN_PARTIAL;
  return up == n ? GW_TURN_OK : GW_TURN_CHECKING;
}

void
gw_turn_watch_collect_metrics(GString *out, gpointer data)
{
  GwTurnWatch *watch = data;

  if (watch->targets->len == 0)
    return;
  g_string_append(out, "# HELP balie_turn_up Whether a TURN server answered its last probe "
                       "(STUN Binding over UDP, or a TCP connect for transport=tcp and turns:).\n"
                       "# TYPE balie_turn_up gauge\n");
  for (guint i = 0; i < watch->targets->len; i++) {
    Target *target = g_ptr_array_index(watch->targets, i);

    /* Host names and addresses hold no '"' or '\\': no escaping needed. */
    if (target->state != TARGET_CHECKING)
      g_string_append_printf(out, "balie_turn_up{server=\"%s\",transport=\"%s\"} %d\n",
                             target->label, transport_name(target), target->state == TARGET_UP);
  }
}

void
gw_turn_watch_free(GwTurnWatch *watch)
{
  if (watch == NULL)
    return;
  watch->closed = TRUE;
  g_clear_handle_id(&watch->timer, g_source_remove);
  for (guint i = 0; i < watch->targets->len; i++)
    probe_stop(g_ptr_array_index(watch->targets, i));
  watch_unref(watch);
}
