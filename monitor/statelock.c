/*
 * statelock.c - the writer's lock of a state_dir (statelock.h).
 *
 * flock(2) rather than a pid file alone: the kernel drops the lock when the
 * holder dies however it dies, so a crash never leaves a stale lock behind
 * and nothing has to guess whether a recorded pid is still alive. The pid
 * in the file is only there to name the holder in the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "statelock.h"

int
statelock_take(const char *state_dir, char *err, size_t errlen)
{
	char path[4096], buf[32];
	ssize_t n;
	long pid;
	int fd;

	if (mkdir_p(state_dir, 0755) == -1) {
		snprintf(err, errlen, "%s: %s", state_dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/slamon.lock", state_dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			snprintf(err, errlen, "%s: lock: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		/* the holder writes its pid right after taking the lock: a
		 * read between the two finds the file empty */
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		if (sscanf(buf, "%ld", &pid) == 1 && pid > 0)
			snprintf(err, errlen, "state dir %s is in use by pid %ld",
			    state_dir, pid);
		else
			snprintf(err, errlen,
			    "state dir %s is in use by another slamon process",
			    state_dir);
		close(fd);
		return -1;
	}
	/* a failure here (disk full) loses only the pid in the message: the
	 * lock holds, so go on */
	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, strlen(buf), 0) == -1)
		log_warn("%s: pid not recorded", path);
	return fd;
}

void
statelock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
