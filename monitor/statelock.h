/*
 * statelock.h - one writer per state_dir: `run`, `replay` and `announce`
 * hold an flock(2) on state_dir/slamon.lock for their lifetime, so a second
 * writer stops at once instead of interleaving its journal and RRD steps
 * with the first one's. Readers (`report`, `calendar`) take no lock.
 */
#ifndef SLAMON_STATELOCK_H
#define SLAMON_STATELOCK_H

#include <stddef.h>

/*
 * Create state_dir when missing and take its lock, writing our pid in the
 * file. Returns the descriptor, held (close-on-exec) until the process
 * exits or statelock_release; -1 with err: "state dir DIR is in use by pid
 * N" when another process holds it, else the system's reason.
 */
int statelock_take(const char *state_dir, char *err, size_t errlen);
void statelock_release(int fd);

#endif
