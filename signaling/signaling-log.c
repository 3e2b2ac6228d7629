/* SPDX-License-Identifier: Apache-2.0 */
/* Structured log lines for signaling/, each naming its room and peer. */
#include "signaling/signaling-log.h"

#include <stdarg.h>

void
gw_signaling_log_full(GLogLevelFlags level, const char *file, const char *line, const char *func,
                      const char *room, const char *peer, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_autofree char *text = g_strdup_vprintf(format, args);
  va_end(args);

  room = room != NULL ? room : "-";
  peer = peer != NULL ? peer : "-";
  g_log_structured(G_LOG_DOMAIN, level, "CODE_FILE", file, "CODE_LINE", line, "CODE_FUNC", func,
                   "ROOM", room, "PEER", peer, "MESSAGE", "room=%s peer=%s: %s", room, peer, text);
}
