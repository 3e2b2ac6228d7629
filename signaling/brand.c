/* SPDX-License-Identifier: Apache-2.0 */
/* The organisation's look from the config's [brand] group. Colours are checked when the config
 * is loaded (#rrggbb, readable under white text); the logo is read when asked for, so a SIGHUP
 * reload or a replaced file shows at once, and a missing one only loses the logo. */
#include "signaling/brand.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "signaling/signaling-log.h"

static const struct {
  const char *suffix;
  const char *type;
} logo_types[] = {
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".webp", "image/webp"},
};

static const char *
logo_type(const char *path)
{
  g_autofree char *lower = g_ascii_strdown(path, -1);

  for (guint i = 0; i < G_N_ELEMENTS(logo_types); i++)
    if (g_str_has_suffix(lower, logo_types[i].suffix))
      return logo_types[i].type;
  return NULL;
}

/* The logo's bytes, or NULL (logged) when it is not set, not readable, too big or of a kind
 * we do not serve. */
static GBytes *
read_logo(const GwConfig *config)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = NULL;
  const char *path = config->brand_logo_file;

  if (path == NULL)
    return NULL;
  if (logo_type(path) == NULL) {
    gw_signaling_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
                     "brand.logo_file %s: not a .svg, .png, .jpg or .webp file; no logo shown",
                     path);
    return NULL;
  }
  file = g_mapped_file_new(path, FALSE, &error);
  if (file == NULL) {
    gw_signaling_log(G_LOG_LEVEL_MESSAGE, NULL, NULL, "brand.logo_file: %s; no logo shown",
                     error->message);
    return NULL;
  }
  if (g_mapped_file_get_length(file) > GW_BRAND_MAX_LOGO) {
    gw_signaling_log(G_LOG_LEVEL_MESSAGE, NULL, NULL,
                     "brand.logo_file %s: larger than %u KiB; no logo shown", path,
                     GW_BRAND_MAX_LOGO / 1024);
    return NULL;
  }
  return g_mapped_file_get_bytes(file);
}

char *
gw_brand_build_css(const GwConfig *config)
{
  const char *accent =
      config->brand_accent_color != NULL ? config->brand_accent_color : GW_BRAND_DEFAULT_ACCENT;

  /* The value was checked to be #rrggbb when the config was loaded: nothing to escape. */
  return g_strdup_printf("/* From the gateway's [brand] config. */\n:root { --accent: %s; }\n",
                         accent);
}

char *
gw_brand_build_json(const GwConfig *config, gboolean has_logo)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autoptr(JsonGenerator) generator = json_generator_new();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "name");
  json_builder_add_string_value(builder,
                                config->brand_name != NULL ? config->brand_name : "Balie");
  json_builder_set_member_name(builder, "logo");
  if (has_logo)
    json_builder_add_string_value(builder, "/brand/logo");
  else
    json_builder_add_null_value(builder);
  json_builder_set_member_name(builder, "accent");
  json_builder_add_string_value(builder, config->brand_accent_color != NULL
                                             ? config->brand_accent_color
                                             : GW_BRAND_DEFAULT_ACCENT);
  json_builder_end_object(builder);
  root = json_builder_get_root(builder);
  json_generator_set_root(generator, root);
  return json_generator_to_data(generator, NULL);
}

static void
respond(SoupServerMessage *msg, guint status, const char *type, GBytes *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
  gsize length = 0;
  const char *data = g_bytes_get_data(body, &length);

  /* Revalidated on every load: a changed brand shows without waiting for a cache. */
  soup_message_headers_replace(headers, "Cache-Control", "no-cache");
  soup_server_message_set_status(msg, status, NULL);
  soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, data, length);
}

static void
respond_text(SoupServerMessage *msg, guint status, const char *type, char *text)
{
  g_autoptr(GBytes) body = g_bytes_new_take(text, strlen(text));

  respond(msg, status, type, body);
}

void
gw_brand_serve(SoupServerMessage *msg, const char *path, const GwConfig *config)
{
  const char *method = soup_server_message_get_method(msg);

  if (method != SOUP_METHOD_GET && method != SOUP_METHOD_HEAD) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow",
                                 "GET, HEAD");
    respond_text(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                 g_strdup("method not allowed\n"));
    return;
  }
  if (strcmp(path, "/brand.css") == 0) {
    respond_text(msg, SOUP_STATUS_OK, "text/css; charset=utf-8", gw_brand_build_css(config));
  } else if (strcmp(path, "/brand.json") == 0) {
    g_autoptr(GBytes) logo = read_logo(config);
    respond_text(msg, SOUP_STATUS_OK, "application/json",
                 gw_brand_build_json(config, logo != NULL));
  } else if (strcmp(path, "/brand/logo") == 0) {
    g_autoptr(GBytes) logo = read_logo(config);
    if (logo == NULL)
      respond_text(msg, SOUP_STATUS_NOT_FOUND, "text/plain; charset=utf-8",
                   g_strdup("no logo configured\n"));
    else
      respond(msg, SOUP_STATUS_OK, logo_type(config->brand_logo_file), logo);
  } else {
    respond_text(msg, SOUP_STATUS_NOT_FOUND, "text/plain; charset=utf-8", g_strdup("not found\n"));
  }
}
