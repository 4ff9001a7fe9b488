/* cmd.h - the subcommands of slamon, one file each, gathered in one table. */
#ifndef SLAMON_CMD_H
#define SLAMON_CMD_H

#include <time.h>

#include "conf.h"

/* Exit codes of design.md section 2. */
#define EXIT_OK 0
#define EXIT_USER 1
#define EXIT_INTERNAL 2

struct cmd_ctx {
	const char *conf_path;
	int use_syslog;
	int verbose;
};

struct cmd_entry {
	const char *name;
	const char *usage; /* after "slamon [-c FILE] NAME " */
	const char *help;  /* one paragraph for --help */
	int (*exec)(struct cmd_ctx *, int argc, char **argv);
};

/* Load the configuration, printing the one-line error; NULL means exit 1. */
struct conf *cmd_load_conf(struct cmd_ctx *);
int cmd_usage(const struct cmd_entry *, int code);
/* Parse the time T of option opt of command e; -1 after a one-line message. */
int cmd_parse_time(
    const struct cmd_entry *e, const char *opt, const char *s, time_t *out);
/* Whether argv asks for --help / -h (handled uniformly by the dispatcher). */

extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_replay_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_calendar_entry;
extern const struct cmd_entry cmd_announce_entry;
/* `announce --url`: through a daemon's admin API (cmd-announce-remote.c). */
int announce_remote(const char *url, const char *window, const char *start,
    const char *end, const char *note, const char *cancel, const char *key);
extern const struct cmd_entry cmd_test_alert_entry;
extern const struct cmd_entry *const cmd_table[];

#endif
