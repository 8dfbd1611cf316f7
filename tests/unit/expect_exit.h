/* For unit tests of code that exits: runs FN(ARG) in a child process and
 * returns its exit status, with what it wrote to stderr in ERRBUF. */
#ifndef EXPECT_EXIT_H
#define EXPECT_EXIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int run_expect_exit(void (*fn)(void *), void *arg, char *errbuf, size_t errlen)
{
	int pipefd[2];
	pid_t pid;
	int status;
	size_t got = 0;
	ssize_t n;

	if (pipe(pipefd) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		fn(arg);
		_exit(0);
	}
	close(pipefd[1]);
	while (got + 1 < errlen && (n = read(pipefd[0], errbuf + got, errlen - 1 - got)) > 0)
		got += (size_t)n;
	errbuf[got] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif
