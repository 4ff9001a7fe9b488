/*
 * cmd-check.c - `slamon check`: validate the configuration and the calendar,
 * print what was found, change nothing.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../probes/probe.h"
#include "calendar.h"
#include "cmd.h"

static void
check_problem_cb(void *arg, const char *msg)
{
	fprintf(stderr, "%s: calendar: %s\n", (const char *)arg, msg);
}

/* Events of ics files that are skipped: reported, but no reason to fail. */
static void
check_ics_warn_cb(void *arg, const char *msg)
{
	(*(size_t *)arg)++;
	fprintf(stderr, "warning: %s\n", msg);
}

/* The calendar beyond the syntax: ics files, announcements, dead rules. */
static int
check_calendar(const struct conf *c, size_t *nics, size_t *nwarn)
{
	char err[1024];
	struct calendar *cal;
	time_t now = time(NULL);
	size_t bad;

	if ((cal = calendar_load_warn(c, check_ics_warn_cb, nwarn, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*nics = calendar_nwindows(cal) - c->nwindows;
	/* "The next years": five, enough for any yearly rule. */
	bad = calendar_validate(
	    cal, now, now + 5 * 366 * 86400L, check_problem_cb, c->path);
	calendar_free(cal);
	return bad ? -1 : 0;
}

static int
cmd_check_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct conf *c;
	size_t rules = 0, nics = 0, nwarn = 0;
	size_t nwebhook = 0, nexec = 0, nsmtp = 0;
	char desc[512];

	(void)argv;
	if (argc > 1)
		return cmd_usage(&cmd_check_entry, EXIT_USER);
	if ((c = cmd_load_conf(ctx)) == NULL)
		return EXIT_USER;
	if (check_calendar(c, &nics, &nwarn) < 0) {
		conf_free(c);
		return EXIT_USER;
	}

	printf("%s: OK\n", c->path);
	printf("  time zone      %s\n", c->timezone);
	printf("  state dir      %s\n", c->state_dir);
	printf("  listen         %s\n", c->listen[0] ? c->listen : "(none)");
	printf("  rrdcached      %s\n",
	    c->rrdcached[0] ? c->rrdcached : "(none: RRD files written directly)");
	printf("  targets        %zu (", c->ntargets);
	for (size_t i = 0, first = 1; probe_table[i]; i++) {
		size_t n = 0;
		for (size_t j = 0; j < c->ntargets; j++)
			n += c->targets[j].ops == probe_table[i];
		if (n) {
			printf("%s%s %zu", first ? "" : ", ", probe_table[i]->name, n);
			first = 0;
		}
	}
	printf(")\n");
	for (size_t i = 0; i < c->ntargets; i++) {
		const struct conf_target *t = &c->targets[i];
		t->ops->describe(t->probe, desc, sizeof(desc));
		conf_redact(c, desc, sizeof(desc));
		printf("    %-20s %-5s %s  every %ds, component \"%s\"\n", t->name,
		    t->type, desc, t->t.interval, t->component);
	}
	for (size_t i = 0; i < c->nwindows; i++)
		rules += c->windows[i].rrule != NULL;
	printf("  windows        %zu (%zu recurring, %zu by announcement only), "
	       "minimum notice %lds\n",
	    c->nwindows, rules, c->nwindows - rules, c->min_notice);
	for (size_t i = 0; i < c->nwindows; i++) {
		const struct conf_window *w = &c->windows[i];
		if (w->rrule)
			printf("    %-20s %s from %s%s\n", w->name, w->rrule,
			    w->first_str,
			    w->requires_announcement ? ", needs announcement" : "");
		else
			printf("    %-20s only when announced\n", w->name);
	}
	printf("  announcements  %zu\n", c->nannouncements);
	printf("  ics files      %zu (%zu windows", c->nics, nics);
	if (nwarn)
		printf(", %zu warning%s: events skipped or copies missing, "
		       "see above",
		    nwarn, nwarn == 1 ? "" : "s");
	printf(")\n");
	for (size_t i = 0; i < c->nics; i++) {
		const struct conf_ics *e = &c->ics[i];
		struct stat sb;
		char when[TZ_RFC3339_LEN];

		printf("    %s", e->source);
		if (e->url && stat(e->path, &sb) == 0)
			printf(" (subscribed every %lds; last good copy %s)",
			    c->ics_refresh,
			    tz_rfc3339(sb.st_mtime, when, sizeof(when)));
		else if (e->url)
			printf(" (subscribed every %lds; not fetched yet)",
			    c->ics_refresh);
		printf("%s\n", e->trust_created ? ", trust_created" : "");
	}
	for (size_t i = 0; i < c->nalerts; i++) {
		nwebhook += c->alerts[i].type == CONF_ALERT_WEBHOOK;
		nexec += c->alerts[i].type == CONF_ALERT_EXEC;
		nsmtp += c->alerts[i].type == CONF_ALERT_SMTP;
	}
	printf("  alert channels %zu (webhook %zu, exec %zu, smtp %zu", c->nalerts,
	    nwebhook, nexec, nsmtp);
	for (int t = CONF_ALERT_ALERTMANAGER; t <= CONF_ALERT_SLACK; t++) {
		size_t n = 0;

		for (size_t i = 0; i < c->nalerts; i++)
			n += c->alerts[i].type == (enum conf_alert_type)t;
		if (n)
			printf(", %s %zu",
			    conf_alert_type_name((enum conf_alert_type)t), n);
	}
	printf(")\n");
	if (c->cluster.enabled) {
		static const char *const roles[] = {"both", "probe", "aggregate"};

		printf("  cluster        %zu locations (", c->cluster.locations.n);
		for (size_t i = 0; i < c->cluster.locations.n; i++)
			printf("%s%s", i ? ", " : "", c->cluster.locations.v[i]);
		printf("), quorum %d; this node: %s, role %s\n", c->cluster.quorum,
		    c->cluster.location ? c->cluster.location : "(no location)",
		    roles[c->cluster.role]);
		printf("    nats         %s\n",
		    c->cluster.nats ? c->cluster.nats : "(none: replay only)");
	}
	conf_free(c);
	return EXIT_OK;
}

const struct cmd_entry cmd_check_entry = {
    .name = "check",
    .usage = "",
    .help = "Validate the configuration and the maintenance calendar, print a\n"
	    "summary, and change nothing. Exits 1 with FILE:LINE: field: message\n"
	    "on the first error.",
    .exec = cmd_check_exec,
};
