/*
 * notify-channels.c - the table of alert channel types: what notify.c
 * calls to build a notice's body and to start an attempt, per type. A new
 * type is a file of its own and one entry here.
 */
#include <stddef.h>

#include "log.h"
#include "notify-priv.h"

static const struct notify_channel_ops notify_channels[] = {
    {CONF_ALERT_WEBHOOK, notify_webhook_prepare, notify_webhook_start,
	notify_webhook_result},
    {CONF_ALERT_EXEC, NULL, notify_exec_start, NULL},
    {CONF_ALERT_SMTP, notify_smtp_prepare, notify_smtp_start, NULL},
    {CONF_ALERT_ALERTMANAGER, notify_am_prepare, notify_am_start,
	notify_webhook_result},
    {CONF_ALERT_PAGERDUTY, notify_pd_prepare, notify_pd_start, notify_webhook_result},
    {CONF_ALERT_SLACK, notify_slack_prepare, notify_slack_start, notify_webhook_result},
};

const struct notify_channel_ops *
notify_channel_ops(enum conf_alert_type t)
{
	for (size_t i = 0; i < sizeof(notify_channels) / sizeof(notify_channels[0]);
	     i++)
		if (notify_channels[i].type == t)
			return &notify_channels[i];
	fatalx("notify: no channel type %d", (int)t); /* a table out of step */
}
