/* SPDX-License-Identifier: Apache-2.0 */
/* Opening hours of the walk-in desk: parsing and asking whether the desk is open; pure. */
#include "config/opening-hours.h"

#include <string.h>

/* clang-format off */
G_DEFINE_QUARK(gw-opening-hours-error-quark, gw_opening_hours_error)
/* clang-format on */

typedef struct {
  guint first_day, last_day; /* 1 (Monday) .. 7 (Sunday), as GDateTime */
  guint open_min, close_min; /* minutes after midnight, open < close <= 1440 */
} Rule;

struct _GwOpeningHours {
  Rule rules[GW_OPENING_HOURS_MAX_RULES];
  guint n_rules;
};

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static gboolean
parse_day(const char *text, gsize length, guint *day)
{
  for (guint i = 0; i < G_N_ELEMENTS(day_names); i++) {
    if (length == 3 && g_ascii_strncasecmp(text, day_names[i], 3) == 0) {
      *day = i + 1;
      return TRUE;
    }
  }
  return FALSE;
}

/* "HH:MM", 00:00..24:00. */
static gboolean
parse_time(const char *text, gsize length, guint *minutes)
{
  if (length != 5 || !g_ascii_isdigit(text[0]) || !g_ascii_isdigit(text[1]) || text[2] != ':' ||
      !g_ascii_isdigit(text[3]) || !g_ascii_isdigit(text[4]))
    return FALSE;
  guint hour = (guint)(text[0] - '0') * 10 + (guint)(text[1] - '0');
  guint minute = (guint)(text[3] - '0') * 10 + (guint)(text[4] - '0');
  if (minute > 59 || hour > 24 || (hour == 24 && minute != 0))
    return FALSE;
  *minutes = hour * 60 + minute;
  return TRUE;
}

static gboolean
parse_rule(const char *text, Rule *rule)
{
  const char *space = strchr(text, ' ');

  if (space == NULL)
    return FALSE;
  const char *days_end = space;
  const char *times = space;
  while (*times == ' ')
    times++;
  const char *dash = memchr(text, '-', (gsize)(days_end - text));
  if (dash != NULL) {
    if (!parse_day(text, (gsize)(dash - text), &rule->first_day) ||
        !parse_day(dash + 1, (gsize)(days_end - dash - 1), &rule->last_day) ||
        rule->last_day < rule->first_day)
      return FALSE;
  } else {
    if (!parse_day(text, (gsize)(days_end - text), &rule->first_day))
      return FALSE;
    rule->last_day = rule->first_day;
  }
  const char *time_dash = strchr(times, '-');
  if (time_dash == NULL || !parse_time(times, (gsize)(time_dash - times), &rule->open_min) ||
      !parse_time(time_dash + 1, strlen(time_dash + 1), &rule->close_min))
    return FALSE;
  return rule->open_min < rule->close_min;
}

GwOpeningHours *
gw_opening_hours_parse(const char *text, GError **error)
{
  g_autoptr(GwOpeningHours) hours = g_new0(GwOpeningHours, 1);
  g_auto(GStrv) parts = g_strsplit(text, ";", -1);

  for (guint i = 0; parts[i] != NULL; i++) {
    char *part = g_strstrip(parts[i]);

    if (part[0] == '\0')
      continue;
    if (hours->n_rules == GW_OPENING_HOURS_MAX_RULES) {
      g_set_error(error, GW_OPENING_HOURS_ERROR, 0, "at most %d rules", GW_OPENING_HOURS_MAX_RULES);
      return NULL;
    }
    if (!parse_rule(part, &hours->rules[hours->n_rules])) {
      g_set_error(error, GW_OPENING_HOURS_ERROR, 0,
                  "rule %u is not like \"mon-fri 08:00-18:00\" (days mon..sun, a range runs "
                  "forward, times 00:00..24:00, opening before closing)",
                  i + 1);
      return NULL;
    }
    hours->n_rules++;
  }
  if (hours->n_rules == 0) {
    g_set_error_literal(error, GW_OPENING_HOURS_ERROR, 0,
                        "give at least one rule like \"mon-fri 08:00-18:00\"");
    return NULL;
  }
  return g_steal_pointer(&hours);
}

void
gw_opening_hours_free(GwOpeningHours *hours)
{
  g_free(hours);
}

gboolean
gw_opening_hours_is_open(const GwOpeningHours *hours, GDateTime *now)
{
  guint day = (guint)g_date_time_get_day_of_week(now);
  guint minute = (guint)(g_date_time_get_hour(now) * 60 + g_date_time_get_minute(now));

  for (guint i = 0; i < hours->n_rules; i++) {
    const Rule *rule = &hours->rules[i];
    if (day >= rule->first_day && day <= rule->last_day && minute >= rule->open_min &&
        minute < rule->close_min)
      return TRUE;
  }
  return FALSE;
}

GDateTime *
gw_opening_hours_next_opening(const GwOpeningHours *hours, GDateTime *now)
{
  guint minute_now = (guint)(g_date_time_get_hour(now) * 60 + g_date_time_get_minute(now));

  /* Today's later openings, then the next seven days': the first wins. */
  for (guint offset = 0; offset <= 7; offset++) {
    g_autoptr(GDateTime) date = g_date_time_add_days(now, (gint)offset);
    guint day = (guint)g_date_time_get_day_of_week(date);
    guint best = G_MAXUINT;

    for (guint i = 0; i < hours->n_rules; i++) {
      const Rule *rule = &hours->rules[i];
      if (day < rule->first_day || day > rule->last_day)
        continue;
      if (offset == 0 && rule->open_min <= minute_now)
        continue;
      best = MIN(best, rule->open_min);
    }
    if (best != G_MAXUINT)
      return g_date_time_new(g_date_time_get_timezone(now), g_date_time_get_year(date),
                             g_date_time_get_month(date), g_date_time_get_day_of_month(date),
                             (gint)(best / 60), (gint)(best % 60), 0);
  }
  return NULL;
}
