/* SPDX-License-Identifier: Apache-2.0 */
/* The audit log of advisor and admin actions (NEN 7513): append-only, hash-chained, in its own
 * SQLite file, each entry also a log line. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GW_AUDIT_LOG_ERROR (gw_audit_log_error_quark())
GQuark gw_audit_log_error_quark(void);

typedef enum {
  GW_AUDIT_LOG_ERROR_OPEN,     /* the file cannot be opened or its table made */
  GW_AUDIT_LOG_ERROR_SQL,      /* a statement failed */
  GW_AUDIT_LOG_ERROR_TAMPERED, /* an entry does not match its hash or its predecessor */
} GwAuditLogError;

/* Longest actor, action and object kept; longer is cut (and marked with "…"). */
#define GW_AUDIT_LOG_MAX_FIELD 256
/* Most entries gw_audit_log_list() returns at once. */
#define GW_AUDIT_LOG_MAX_LIST 1000

/* Actions, as stored (docs/security.md lists them). */
#define GW_AUDIT_LOGIN "login"
#define GW_AUDIT_LOGIN_FAILED "login.failed"
#define GW_AUDIT_LOGOUT "logout"
#define GW_AUDIT_INVITE_CREATE "invite.create"
#define GW_AUDIT_INVITE_REVOKE "invite.revoke"
#define GW_AUDIT_GUEST_CREATE "guest.create"
#define GW_AUDIT_CONTACT_ACCEPT "contact.accept"
#define GW_AUDIT_INSIGHTS_VIEW "insights.view"
#define GW_AUDIT_EXPORT "export.download"
#define GW_AUDIT_AUDIT_VIEW "audit.view"

typedef struct _GwAuditLog GwAuditLog;

/**
 * gw_audit_log_open:
 * Opens (or creates, mode 0600) the log at @path. UPDATE and DELETE on its
 * table are refused by triggers; each entry carries the SHA-256 of its
 * content and of its predecessor's hash, so an edit made around the
 * triggers is found by gw_audit_log_verify().
 * Returns: (transfer full) (nullable)
 */
GwAuditLog *gw_audit_log_open(const char *path, GError **error);
void gw_audit_log_close(GwAuditLog *log);

/**
 * gw_audit_log_record:
 * Appends one entry now and writes it as a log line too. Runs on the control
 * thread; the action it records has already happened, so a failure to write
 * is logged (critical domain: warning) and not returned.
 * @actor: an account id, "api-token", or what a failed login gave as name
 * @object: (nullable): what was acted on (a contact id, a report path)
 * @detail_json: (nullable): a small JSON object with more
 */
void gw_audit_log_record(GwAuditLog *log, const char *actor, const char *action,
                         const char *object, const char *detail_json);

/**
 * gw_audit_log_verify:
 * Walks the whole chain. @entries: (out) (optional): how many there are.
 * Returns: FALSE with GW_AUDIT_LOG_ERROR_TAMPERED naming the first bad entry
 */
gboolean gw_audit_log_verify(GwAuditLog *log, guint64 *entries, GError **error);

/**
 * gw_audit_log_list:
 * Entries after sequence number @after, oldest first, at most @limit
 * (capped at GW_AUDIT_LOG_MAX_LIST), into an array on @builder.
 */
gboolean gw_audit_log_list(GwAuditLog *log, gint64 after, guint limit, JsonBuilder *builder,
                           GError **error);

G_END_DECLS
