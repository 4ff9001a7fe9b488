/*
 * cmd-calendar.c - `slamon calendar`: the maintenance windows touching
 * [from, to) as a table for people, as JSON (design.md 6) or as iCalendar.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "calendar.h"
#include "cmd.h"
#include "ics.h"
#include "journal.h"
#include "log.h"

static json_t *
applies_json(const struct conf_applies *a, size_t n)
{
	json_t *v = json_array();
	char *s;

	for (size_t i = 0; i < n; i++) {
		switch (a[i].kind) {
		case CONF_APPLIES_ALL:
			json_array_append_new(v, json_string("all"));
			break;
		case CONF_APPLIES_TARGET:
			json_array_append_new(v, json_string(a[i].name));
			break;
		case CONF_APPLIES_GROUP:
		case CONF_APPLIES_COMPONENT:
			xasprintf(&s, "%s:%s",
			    a[i].kind == CONF_APPLIES_GROUP ? "group" : "component",
			    a[i].name);
			json_array_append_new(v, json_string(s));
			free(s);
			break;
		}
	}
	return v;
}

static void
print_json(const struct cal_occ *o, size_t n)
{
	json_t *arr = json_array();
	char *s;

	for (size_t i = 0; i < n; i++) {
		json_t *j = json_object();
		json_object_set_new(j, "name", json_string(o[i].name));
		json_object_set_new(j, "start", journal_time(o[i].start));
		json_object_set_new(j, "end", journal_time(o[i].end));
		json_object_set_new(j, "announced", json_boolean(o[i].announced));
		json_object_set_new(j, "announced_at",
		    o[i].has_announced_at ? journal_time(o[i].announced_at)
					  : json_null());
		json_object_set_new(j, "short_notice", json_boolean(o[i].short_notice));
		json_object_set_new(
		    j, "applies_to", applies_json(o[i].applies, o[i].napplies));
		json_object_set_new(
		    j, "source", json_string(calendar_source_name(o[i].source)));
		json_object_set_new(
		    j, "duration_s", json_integer((json_int_t)(o[i].end - o[i].start)));
		json_object_set_new(j, "requires_announcement",
		    json_boolean(o[i].window->requires_announcement));
		if (o[i].note)
			json_object_set_new(j, "note", json_string(o[i].note));
		if (o[i].id)
			json_object_set_new(j, "id", json_string(o[i].id));
		if (o[i].description)
			json_object_set_new(
			    j, "description", json_string(o[i].description));
		json_array_append_new(arr, j);
	}
	s = json_dumps(arr, JSON_INDENT(2));
	printf("%s\n", s);
	free(s);
	json_decref(arr);
}

static const char *
status_of(const struct cal_occ *o)
{
	if (o->announced)
		return "announced";
	if (o->short_notice)
		return "short notice (counts as downtime)";
	if (o->window->requires_announcement)
		return "needs announcement";
	return "not yet announced";
}

static void
print_text(const struct calendar *cal, const struct cal_occ *o, size_t n, time_t from,
    time_t to)
{
	char a[64], b[64], u[TZ_RFC3339_LEN];

	printf("Maintenance from %s to %s (%s), minimum notice %lds\n",
	    tz_local_str(from, a, sizeof(a)), tz_local_str(to, b, sizeof(b)), tz_name(),
	    calendar_min_notice(cal));
	printf("%-25s  %-25s  %-20s  %-22s  %s\n", "START (local)", "END (local)",
	    "START (UTC)", "WINDOW", "STATUS");
	for (size_t i = 0; i < n; i++) {
		printf("%-25s  %-25s  %-20s  %-22s  %s",
		    tz_local_str(o[i].start, a, sizeof(a)),
		    tz_local_str(o[i].end, b, sizeof(b)),
		    tz_rfc3339(o[i].start, u, sizeof(u)), o[i].name, status_of(&o[i]));
		if (o[i].has_announced_at)
			printf(", announced %s",
			    tz_rfc3339(o[i].announced_at, u, sizeof(u)));
		if (o[i].id)
			printf(" (id %s)", o[i].id);
		if (o[i].note)
			printf(" - %s", o[i].note);
		printf("\n");
	}
	printf("%zu occurrence%s\n", n, n == 1 ? "" : "s");
}

static int
cmd_calendar_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 't'},
	    {"json", no_argument, NULL, 'j'},
	    {"ics", no_argument, NULL, 'i'},
	    {"target", required_argument, NULL, 'T'},
	    {NULL, 0, NULL, 0},
	};
	const char *from_s = NULL, *to_s = NULL, *target = NULL;
	const struct conf_target *tgt = NULL;
	struct calendar *cal = NULL;
	struct cal_occ *occ = NULL;
	struct conf *c;
	time_t from = 0, to = 0;
	size_t n = 0, k = 0;
	int json = 0, ics = 0, ch, rc = EXIT_USER;
	char err[1024];

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			from_s = optarg;
			break;
		case 't':
			to_s = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'i':
			ics = 1;
			break;
		case 'T':
			target = optarg;
			break;
		default:
			return cmd_usage(&cmd_calendar_entry, EXIT_USER);
		}
	}
	if (optind < argc || (json && ics) || (!ics && (!from_s || !to_s)))
		return cmd_usage(&cmd_calendar_entry, EXIT_USER);
	if ((c = cmd_load_conf(ctx)) == NULL)
		return EXIT_USER;
	if ((from_s &&
		cmd_parse_time(&cmd_calendar_entry, "--from", from_s, &from) < 0) ||
	    (to_s && cmd_parse_time(&cmd_calendar_entry, "--to", to_s, &to) < 0))
		goto done;
	if (from_s && to_s && to <= from) {
		fprintf(stderr, "slamon calendar: --to must be after --from\n");
		goto done;
	}
	if (target && (tgt = conf_target_find(c, target)) == NULL) {
		fprintf(stderr, "slamon calendar: --target: no target \"%s\" in %s\n",
		    target, c->path);
		goto done;
	}
	if ((cal = calendar_load(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		goto done;
	}
	if (ics) {
		char *s = ics_export(cal, time(NULL), from_s && to_s ? from : 0,
		    from_s && to_s ? to : 0);
		fputs(s, stdout);
		free(s);
		rc = EXIT_OK;
		goto done;
	}
	if (calendar_expand(cal, from, to, &occ, &n) < 0) {
		rc = EXIT_INTERNAL;
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (tgt == NULL ||
		    conf_applies_to(occ[i].applies, occ[i].napplies, tgt))
			occ[k++] = occ[i];
	if (json)
		print_json(occ, k);
	else
		print_text(cal, occ, k, from, to);
	rc = EXIT_OK;
done:
	free(occ);
	calendar_free(cal);
	conf_free(c);
	return rc;
}

const struct cmd_entry cmd_calendar_entry = {
    .name = "calendar",
    .usage = "--from T --to T [--json | --ics] [--target NAME]",
    .help = "List every occurrence of a maintenance window that touches [from, to),\n"
	    "sorted by start, with whether it counts as announced (it excludes its\n"
	    "time from the SLA), short notice, or still needs an announcement.\n"
	    "Overlapping windows are listed separately. --json prints the fields of\n"
	    "design.md section 6; --ics prints the windows as iCalendar (from and to\n"
	    "then only limit the announcements). --target lists only the windows\n"
	    "that apply to that target. T is YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] in\n"
	    "the configured zone, or RFC 3339.",
    .exec = cmd_calendar_exec,
};
