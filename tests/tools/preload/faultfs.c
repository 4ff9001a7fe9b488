/*
 * faultfs.c - a fault injector for the end-to-end tests, loaded with
 * LD_PRELOAD into the real binary: write(2) and fsync(2) on chosen files
 * fail with ENOSPC while a control file says so, as on a full disk.
 *
 * SLAMON_FAULT_CTL names the control file; it is read at every call, so a
 * test fills and frees the "disk" by writing and removing it mid-run. Each
 * line is MODE SUBSTRING, for files whose path contains SUBSTRING:
 *   write  every write fails with ENOSPC (nothing written)
 *   short  a write puts down half its bytes and reports that; the next
 *          write to such a file fails with ENOSPC (a disk that fills up
 *          in the middle of a record)
 *   fsync  writes pass, fsync and fdatasync fail with ENOSPC
 * Each failure is counted in SLAMON_FAULT_CTL.hits (one line per failed
 * call, "MODE PATH"), so a test knows the fault was reached.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum mode { M_NONE, M_WRITE, M_SHORT, M_FSYNC };

static __thread int in_shim;
static __thread int short_fd = -1; /* the next write to it fails */

static ssize_t (*real_write)(int, const void *, size_t);

static ssize_t
raw_write(int fd, const void *buf, size_t n)
{
	if (real_write == NULL)
		real_write = (ssize_t(*)(int, const void *, size_t))dlsym(
		    RTLD_NEXT, "write");
	return real_write(fd, buf, n);
}

static void
hit(const char *mode, const char *path)
{
	const char *ctl = getenv("SLAMON_FAULT_CTL");
	char p[4200], line[4300];
	int fd, n;

	snprintf(p, sizeof(p), "%s.hits", ctl);
	if ((fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", mode, path);
	raw_write(fd, line, (size_t)n);
	close(fd);
}

/* The fault that applies to fd's file now, if any. */
static enum mode
fault_for(int fd, char *path, size_t pathlen)
{
	const char *ctl = getenv("SLAMON_FAULT_CTL");
	char link[64], buf[4096], *line, *save = NULL;
	enum mode m = M_NONE;
	ssize_t n;
	int cfd;

	if (ctl == NULL || in_shim)
		return M_NONE;
	in_shim = 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, pathlen - 1)) <= 0)
		goto out;
	path[n] = '\0';
	if ((cfd = open(ctl, O_RDONLY | O_CLOEXEC)) == -1)
		goto out;
	n = read(cfd, buf, sizeof(buf) - 1);
	close(cfd);
	if (n <= 0)
		goto out;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && m == M_NONE;
	     line = strtok_r(NULL, "\n", &save)) {
		char mode[16], sub[1024];

		if (sscanf(line, "%15s %1023s", mode, sub) != 2 ||
		    strstr(path, sub) == NULL)
			continue;
		if (strcmp(mode, "write") == 0)
			m = M_WRITE;
		else if (strcmp(mode, "short") == 0)
			m = M_SHORT;
		else if (strcmp(mode, "fsync") == 0)
			m = M_FSYNC;
	}
out:
	in_shim = 0;
	return m;
}

static ssize_t
faulty_write(int fd, const void *buf, size_t n, ssize_t (*pass)(void))
{
	char path[4096];
	enum mode m = fault_for(fd, path, sizeof(path));

	if (m == M_WRITE || (m == M_SHORT && (short_fd == fd || n < 2))) {
		short_fd = -1;
		hit(m == M_WRITE ? "write" : "short", path);
		errno = ENOSPC;
		return -1;
	}
	if (m == M_SHORT) {
		short_fd = fd;
		hit("short-half", path);
		return raw_write(fd, buf, n / 2);
	}
	short_fd = -1;
	return pass();
}

static const void *w_buf;
static size_t w_n;
static int w_fd;
static off_t w_off;

static ssize_t
pass_write(void)
{
	return raw_write(w_fd, w_buf, w_n);
}

static ssize_t
pass_pwrite(void)
{
	static ssize_t (*f)(int, const void *, size_t, off_t);

	if (f == NULL)
		f = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(
		    RTLD_NEXT, "pwrite");
	return f(w_fd, w_buf, w_n, w_off);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	w_fd = fd, w_buf = buf, w_n = n;
	return faulty_write(fd, buf, n, pass_write);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	w_fd = fd, w_buf = buf, w_n = n, w_off = off;
	return faulty_write(fd, buf, n, pass_pwrite);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}

static int
faulty_sync(int fd, const char *name)
{
	char path[4096];
	int (*f)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
	enum mode m = fault_for(fd, path, sizeof(path));

	if (m == M_WRITE || m == M_FSYNC) {
		hit("fsync", path);
		errno = ENOSPC;
		return -1;
	}
	return f(fd);
}

int
fsync(int fd)
{
	return faulty_sync(fd, "fsync");
}

int
fdatasync(int fd)
{
	return faulty_sync(fd, "fdatasync");
}
