/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal signaling client for shell tests: joins a room, prints each message's type, waits. */
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>

/*
 * Usage: ws-join URL ROOM ROLE
 * Prints one line per message received ("welcome", "offer", "error capacity",
 * ...), then "closed CODE" when the gateway closes the socket, and exits 0.
 * Exits 1 when it cannot connect. The certificate is not checked (test only).
 */

typedef struct {
  GMainLoop *loop;
  char *join;
  SoupWebsocketConnection *ws;
  int status;
} Client;

static gboolean
accept_any_certificate(SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                       gpointer data)
{
  return TRUE;
}

static void
on_message(SoupWebsocketConnection *ws, gint type, GBytes *bytes, gpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  gsize size = 0;
  const char *text = g_bytes_get_data(bytes, &size);
  JsonObject *object;

  if (!json_parser_load_from_data(parser, text, (gssize)size, NULL) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    printf("unparsable\n");
    return;
  }
  object = json_node_get_object(json_parser_get_root(parser));
  if (json_object_has_member(object, "code"))
    printf("%s %s\n", json_object_get_string_member_with_default(object, "type", "?"),
           json_object_get_string_member_with_default(object, "code", "?"));
  else
    printf("%s\n", json_object_get_string_member_with_default(object, "type", "?"));
  fflush(stdout);
}

static void
on_closed(SoupWebsocketConnection *ws, gpointer data)
{
  Client *client = data;

  printf("closed %u\n", soup_websocket_connection_get_close_code(ws));
  fflush(stdout);
  g_main_loop_quit(client->loop);
}

static void
on_connected(GObject *source, GAsyncResult *result, gpointer data)
{
  Client *client = data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws =
      soup_session_websocket_connect_finish(SOUP_SESSION(source), result, &error);

  if (ws == NULL) {
    fprintf(stderr, "ws-join: %s\n", error->message);
    client->status = 1;
    g_main_loop_quit(client->loop);
    return;
  }
  client->ws = ws;
  g_signal_connect(ws, "message", G_CALLBACK(on_message), client);
  g_signal_connect(ws, "closed", G_CALLBACK(on_closed), client);
  soup_websocket_connection_send_text(ws, client->join);
}

int
main(int argc, char **argv)
{
  Client client = {0};
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  if (argc != 4) {
    fprintf(stderr, "usage: ws-join URL ROOM ROLE\n");
    return 2;
  }
  client.loop = g_main_loop_new(NULL, FALSE);
  client.join = g_strdup_printf("{\"type\":\"join\",\"v\":1,\"room\":\"%s\",\"role\":\"%s\"}",
                                argv[2], argv[3]);
  /* Loopback only: no proxy lookup (libproxy throws C++ exceptions that
   * trip clang's AddressSanitizer runtime). */
  session = soup_session_new_with_options("proxy-resolver", NULL, NULL);
  msg = soup_message_new(SOUP_METHOD_GET, argv[1]);
  if (msg == NULL) {
    fprintf(stderr, "ws-join: bad URL %s\n", argv[1]);
    return 2;
  }
  g_signal_connect(msg, "accept-certificate", G_CALLBACK(accept_any_certificate), NULL);
  soup_session_websocket_connect_async(session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                       on_connected, &client);
  g_main_loop_run(client.loop);
  g_main_loop_unref(client.loop);
  g_clear_object(&client.ws);
  g_free(client.join);
  return client.status;
}
