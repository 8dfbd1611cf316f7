#include "core/ig_tempfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ig_err.h"

/* A fixed table, so that the signal handler reads it without locks or
 * allocation: a slot holds a path from the moment it is fully written
 * until it is cleared, and unlink(2) is async-signal-safe. */
#define MAX_TEMPFILES 256

static char *volatile slots[MAX_TEMPFILES];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int installed;
static const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void remove_all(void)
{
	int i;

	for (i = 0; i < MAX_TEMPFILES; i++) {
		char *p = slots[i];
		if (p != NULL)
			unlink(p);
	}
}

static void on_signal(int sig)
{
	remove_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void at_exit(void)
{
	remove_all();
}

static void install(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		struct sigaction old;
		/* A signal ignored by the caller (nohup, a shell's background
		 * job) stays ignored. */
		if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(signals[i], &sa, NULL);
	}
	atexit(at_exit);
	installed = 1;
}

void ig_tempfile_add(const char *path)
{
	char *copy = ig_strdup(path);
	int i;

	pthread_mutex_lock(&lock);
	if (!installed)
		install();
	for (i = 0; i < MAX_TEMPFILES; i++)
		if (slots[i] == NULL)
			break;
	if (i == MAX_TEMPFILES) {
		pthread_mutex_unlock(&lock);
		free(copy);
		ig_die("%s: more than %d temporary files at once", path, MAX_TEMPFILES);
	}
	__atomic_store_n(&slots[i], copy, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&lock);
}

void ig_tempfile_forget(const char *path)
{
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_TEMPFILES; i++) {
		char *p = slots[i];
		if (p != NULL && strcmp(p, path) == 0) {
			__atomic_store_n(&slots[i], NULL, __ATOMIC_SEQ_CST);
			free(p);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

void ig_tempfile_remove(const char *path)
{
	unlink(path);
	ig_tempfile_forget(path);
}

void ig_tempfile_remove_all(void)
{
	int i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < MAX_TEMPFILES; i++) {
		char *p = slots[i];
		if (p != NULL) {
			unlink(p);
			__atomic_store_n(&slots[i], NULL, __ATOMIC_SEQ_CST);
			free(p);
		}
	}
	pthread_mutex_unlock(&lock);
}

const char *ig_tempdir(const char *dir)
{
	const char *env;

	if (dir != NULL)
		return dir;
	env = getenv("TMPDIR");
	return env != NULL && *env != '\0' ? env : "/tmp";
}

/* DIR given by the user is named as it is; the default gains a hint. */
static void die_no_temp(const char *dir, int err)
{
	ig_die("%s: cannot create a temporary file: %s%s", ig_tempdir(dir), strerror(err),
	       dir == NULL ? " (set -T DIR)" : "");
}

void ig_tempdir_check(const char *dir)
{
	if (access(ig_tempdir(dir), W_OK | X_OK) != 0)
		die_no_temp(dir, errno);
}

/* A scratch file never has a name where O_TMPFILE works, so no signal,
 * not even SIGKILL, can leave it behind. Elsewhere mkstemp(3) names it
 * until unlink(2); catchable signals are held over that gap. */
int ig_tempfile_scratch(const char *dir)
{
	const char *d = ig_tempdir(dir);
	size_t n = strlen(d) + sizeof "/ig.XXXXXX";
	sigset_t all, old;
	char *path;
	int fd, err;

#ifdef O_TMPFILE
	fd = open(d, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		die_no_temp(dir, errno);
#endif
	path = ig_malloc(n);
	snprintf(path, n, "%s/ig.XXXXXX", d);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	fd = mkstemp(path);
	err = errno;
	if (fd >= 0)
		unlink(path);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(path);
	if (fd < 0)
		die_no_temp(dir, err);
	return fd;
}
