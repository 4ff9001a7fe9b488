/*
 * main.c - the slamon dispatcher: global options, then one subcommand
 * from cmd_table. Subcommands parse their own options.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cmd.h"
#include "log.h"
#include "tz.h"

#ifndef SLAMON_VERSION
#define SLAMON_VERSION "0.1"
#endif

const struct cmd_entry *const cmd_table[] = {
    &cmd_check_entry,
    &cmd_replay_entry,
    &cmd_run_entry,
    &cmd_report_entry,
    &cmd_calendar_entry,
    &cmd_announce_entry,
    &cmd_test_alert_entry,
    NULL,
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: slamon [-sv] [-c FILE] COMMAND [ARGS]\n\n"
	    "  -c FILE   configuration (default etc/slamon.conf)\n"
	    "  -s        log to syslog instead of stderr\n"
	    "  -v        verbose logging\n\ncommands:\n");
	for (size_t i = 0; cmd_table[i]; i++)
		fprintf(f, "  %-9s %s\n", cmd_table[i]->name, cmd_table[i]->usage);
	fprintf(f, "\n'slamon COMMAND --help' describes a command.\n");
}

int
cmd_usage(const struct cmd_entry *e, int code)
{
	FILE *f = code ? stderr : stdout;

	fprintf(f, "usage: slamon [-c FILE] %s %s\n", e->name, e->usage);
	if (code == 0 && e->help)
		fprintf(f, "\n%s\n", e->help);
	return code;
}

int
cmd_parse_time(const struct cmd_entry *e, const char *opt, const char *s, time_t *out)
{
	enum tz_parse_result r = tz_parse(s, 0, out, NULL);

	if (r != TZ_PARSE_OK) {
		fprintf(stderr, "slamon: %s: %s \"%s\": %s\n", e->name, opt, s,
		    tz_parse_strerror(r));
		return -1;
	}
	return 0;
}

struct conf *
cmd_load_conf(struct cmd_ctx *ctx)
{
	char err[1024];
	struct conf *c;

	if ((c = conf_load(ctx->conf_path, err, sizeof(err))) == NULL)
		fprintf(stderr, "%s\n", err);
	return c;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct cmd_ctx ctx = {"etc/slamon.conf", 0, 0};
	const struct cmd_entry *e = NULL;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+c:svhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctx.conf_path = optarg;
			break;
		case 's':
			ctx.use_syslog = 1;
			break;
		case 'v':
			ctx.verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("slamon %s\n", SLAMON_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USER;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return EXIT_USER;
	}
	for (size_t i = 0; cmd_table[i]; i++)
		if (strcmp(cmd_table[i]->name, argv[0]) == 0)
			e = cmd_table[i];
	if (e == NULL) {
		fprintf(stderr, "slamon: unknown command \"%s\"\n", argv[0]);
		usage(stderr);
		return EXIT_USER;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return cmd_usage(e, EXIT_OK);
	}
	log_init(ctx.use_syslog, ctx.verbose);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	optind = 0; /* reset getopt for the subcommand (glibc: 0 re-initialises) */
	rc = e->exec(&ctx, argc, argv);
	curl_global_cleanup();
	return rc;
}
