/*
 * orphans.c - closing the journal's open outages of targets that are gone.
 *
 * Nothing probes such a target any more, so nothing would ever end its
 * outage: the status page would list it as unresolved for ever. The end is
 * put where the monitor last knew anything (the journal's last record), so
 * no down time is invented past it; the recovery notice cannot be sent (the
 * target's channels and component are gone with it), which is logged.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "engine.h"
#include "journal.h"
#include "log.h"
#include "orphans.h"

struct orphan {
	char *name;
	time_t start;
	bool open, alerted;
};

struct orphans {
	const struct conf *c;
	struct orphan *v;
	size_t n;
};

static struct orphan *
find(struct orphans *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i].name, name) == 0)
			return &o->v[i];
	o->v = xreallocarray(o->v, o->n + 1, sizeof(*o->v));
	memset(&o->v[o->n], 0, sizeof(*o->v));
	o->v[o->n].name = xstrdup(name);
	return &o->v[o->n++];
}

static void
record_cb(void *arg, json_t *rec, int line)
{
	struct orphans *o = arg;
	const char *ev = json_string_value(json_object_get(rec, "event"));
	const char *name = json_string_value(json_object_get(rec, "target"));
	struct orphan *x;
	time_t start;

	(void)line;
	if (ev == NULL || name == NULL || conf_target_find(o->c, name) != NULL)
		return;
	if (strcmp(ev, "outage_start") == 0 &&
	    journal_get_time(rec, "start", &start) == 0) {
		x = find(o, name);
		x->open = true;
		x->alerted = false;
		x->start = start;
	} else if (strcmp(ev, "outage_end") == 0 &&
	    journal_get_time(rec, "start", &start) == 0) {
		x = find(o, name);
		if (x->open && x->start == start)
			x->open = false;
	} else if (strcmp(ev, "alert") == 0 &&
	    journal_get_time(rec, "outage_start", &start) == 0) {
		x = find(o, name);
		if (x->open && x->start == start)
			x->alerted = true;
	}
}

int
orphans_close(struct journal *j, const struct conf *c, time_t known, time_t now)
{
	struct orphans o = {c, NULL, 0};
	int closed = 0;

	if (journal_read(c->state_dir, record_cb, NULL, &o) < 0)
		return -1;
	for (size_t i = 0; i < o.n; i++) {
		struct orphan *x = &o.v[i];
		time_t end = known > x->start ? known : x->start;
		json_t *f;

		if (x->open) {
			f = json_object();
			json_object_set_new(f, "target", json_string(x->name));
			json_object_set_new(f, "start", journal_time(x->start));
			json_object_set_new(f, "end", journal_time(end));
			json_object_set_new(
			    f, "down_s", json_integer((json_int_t)(end - x->start)));
			json_object_set_new(f, "unplanned_s",
			    json_integer((json_int_t)(end - x->start)));
			json_object_set_new(f, "maintenance_s", json_integer(0));
			json_object_set_new(f, "unknown_s", json_integer(0));
			json_object_set_new(f, "reason", json_string(ENGINE_REMOVED));
			journal_append(j, now, "outage_end", f);
			if (x->alerted) {
				f = json_object();
				json_object_set_new(f, "target", json_string(x->name));
				json_object_set_new(
				    f, "outage_start", journal_time(x->start));
				json_object_set_new(f, "end", journal_time(end));
				journal_append(j, now, "recovery", f);
			}
			log_warnx("%s: no longer configured; its open outage is "
				  "closed at the last time the monitor knew of "
				  "(%lld)%s",
			    x->name, (long long)end,
			    x->alerted ? "; its recovery notice cannot be sent" : "");
			closed++;
		}
		free(x->name);
	}
	free(o.v);
	return closed;
}
