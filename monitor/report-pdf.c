/*
 * report-pdf.c - the customer's report as PDF: the HTML of report-html.c
 * printed by Chromium headless (`--print-to-pdf`), the one renderer in
 * Debian that lays out CSS page breaks as a browser shows them. Chromium
 * is optional: without it only --format html is available.
 *
 * The HTML goes into a private temporary directory, which is also the
 * browser's profile, so that nothing of the user's own profile is read or
 * written; the directory is removed afterwards. A browser that hangs is
 * killed after REPORT_PDF_TIMEOUT seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "report.h"

#define REPORT_PDF_TIMEOUT 120
#define REPORT_PDF_BROWSER "/usr/bin/chromium"

static int
rm_tree(const char *dir)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execl("/bin/rm", "rm", "-rf", "--", dir, (char *)NULL);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid ? 0 : -1;
}

/* Run argv, killing it after timeout seconds; its exit status, or -1. */
static int
run_browser(char *const argv[], const char *logpath, int timeout)
{
	struct timespec ts = {0, 50 * 1000 * 1000};
	pid_t pid;
	int st = 0;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	for (long waited = 0;; waited += 50) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return -1;
		if (waited >= timeout * 1000L) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -2;
		}
		nanosleep(&ts, NULL);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int
report_pdf(const struct report *rep, const struct conf *c, const struct calendar *cal,
    const char *path, char *err, size_t errlen)
{
	const char *browser = getenv("SLAMON_CHROMIUM");
	char dir[] = "/tmp/slamon-pdf-XXXXXX";
	char html[64], logp[64], prof[64], url[96], out[4096], opt[4200], *abs = NULL;
	struct stat sb;
	FILE *f;
	int rc = -1, x;

	if (browser == NULL || browser[0] == '\0')
		browser = REPORT_PDF_BROWSER;
	if (access(browser, X_OK) != 0) {
		snprintf(err, errlen,
		    "--format pdf needs Chromium (Debian package chromium) at %s: "
		    "%s; --format html gives the same report",
		    browser, strerror(errno));
		return -1;
	}
	/* Chromium resolves a relative --print-to-pdf against its own cwd */
	if (path[0] == '/')
		snprintf(out, sizeof(out), "%s", path);
	else {
		if ((abs = getcwd(NULL, 0)) == NULL) {
			snprintf(err, errlen, "getcwd: %s", strerror(errno));
			return -1;
		}
		if (snprintf(out, sizeof(out), "%s/%s", abs, path) >=
		    (int)sizeof(out)) {
			free(abs);
			snprintf(err, errlen, "--output: path too long");
			return -1;
		}
		free(abs);
	}
	if (mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(html, sizeof(html), "%s/report.html", dir);
	snprintf(logp, sizeof(logp), "%s/chromium.log", dir);
	snprintf(prof, sizeof(prof), "--user-data-dir=%s/profile", dir);
	snprintf(url, sizeof(url), "file://%s", html);
	snprintf(opt, sizeof(opt), "--print-to-pdf=%s", out);
	if ((f = fopen(html, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", html, strerror(errno));
		goto done;
	}
	report_html(rep, c, cal, f);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", html, strerror(errno));
		goto done;
	}
	unlink(out); /* a stale file must not pass for a new one */
	{
		/* Chromium refuses to run as root with its sandbox; the page is
		 * our own file with no script, so it runs without one there */
		static char headless[] = "--headless", gpu[] = "--disable-gpu",
			    nohf[] = "--no-pdf-header-footer",
			    nofirst[] = "--no-first-run",
			    noext[] = "--disable-extensions",
			    nosandbox[] = "--no-sandbox";
		char *argv[] = {(char *)(uintptr_t)browser, headless, gpu, nohf,
		    nofirst, noext, prof, opt, url, NULL, NULL};
		if (geteuid() == 0) {
			argv[9] = argv[8];
			argv[8] = nosandbox;
		}
		x = run_browser(argv, logp, REPORT_PDF_TIMEOUT);
	}
	if (x != 0 || stat(out, &sb) != 0 || sb.st_size == 0) {
		char tail[300] = "";
		if ((f = fopen(logp, "r")) != NULL) {
			size_t n;
			fseek(f, -(long)(sizeof(tail) - 1), SEEK_END);
			n = fread(tail, 1, sizeof(tail) - 1, f);
			tail[n] = '\0';
			fclose(f);
			for (char *p = tail; *p; p++)
				if (*p == '\n')
					*p = ' ';
		}
		snprintf(err, errlen, "%s %s (status %d): no PDF written to %s%s%s",
		    browser,
		    x == -2	  ? "timed out"
			: x == -1 ? "could not be run"
				  : "failed",
		    x, out, tail[0] ? ": " : "", tail);
		goto done;
	}
	rc = 0;
done:
	rm_tree(dir);
	return rc;
}
