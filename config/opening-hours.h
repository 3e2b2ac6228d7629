/* SPDX-License-Identifier: Apache-2.0 */
/* Opening hours of the walk-in desk ("mon-fri 08:00-18:00; sat 09:00-12:00"): parsing and asking
 * whether the desk is open; pure. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An operator writes a handful of rules; more is a mistake. */
#define GW_OPENING_HOURS_MAX_RULES 16

typedef struct _GwOpeningHours GwOpeningHours;

/**
 * gw_opening_hours_parse:
 * @text: rules separated by ';', each "DAY[-DAY] HH:MM-HH:MM" with DAY one of
 *   mon tue wed thu fri sat sun (a range runs forward, mon-fri; no wrap-around),
 *   times 00:00..24:00 and the start before the end
 * Returns: (transfer full) (nullable): NULL with @error in GW_OPENING_HOURS_ERROR
 */
GwOpeningHours *gw_opening_hours_parse(const char *text, GError **error);

#define GW_OPENING_HOURS_ERROR (gw_opening_hours_error_quark())
GQuark gw_opening_hours_error_quark(void);

void gw_opening_hours_free(GwOpeningHours *hours);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GwOpeningHours, gw_opening_hours_free)

/** gw_opening_hours_is_open: whether @now (local wall-clock time) falls inside a rule. */
gboolean gw_opening_hours_is_open(const GwOpeningHours *hours, GDateTime *now);

/**
 * gw_opening_hours_next_opening:
 * Returns: (transfer full) (nullable): the next time after @now the desk
 *   opens (in @now's time zone), NULL when no rule ever opens it
 */
GDateTime *gw_opening_hours_next_opening(const GwOpeningHours *hours, GDateTime *now);

G_END_DECLS
