/* Temporary files that must not outlive the process: a path registered
 * here is removed when the process exits (ig_die included) or is killed
 * by SIGINT, SIGTERM, SIGHUP or SIGQUIT, unless its owner forgets it first
 * (after renaming or removing it). Every module that writes a file under a
 * name of its own (the writer's temporary output, spool and scratch files)
 * registers it. */
#ifndef IG_TEMPFILE_H
#define IG_TEMPFILE_H

/* Registers PATH (copied) for removal; installs the handlers on first use.
 * Exits 1 when too many are registered at once. */
void ig_tempfile_add(const char *path);
/* Forgets PATH (after its owner renamed or removed it); no-op if absent. */
void ig_tempfile_forget(const char *path);
/* Removes PATH from the disk and forgets it. */
void ig_tempfile_remove(const char *path);
/* Removes and forgets every registered file now: for a die hook that
 * does not exit (the fuzz harnesses). */
void ig_tempfile_remove_all(void);

/* Scratch files (spilled runs, spooled input) go to the directory a tool
 * is given with -T DIR; without one (DIR NULL), to $TMPDIR when it is set
 * and not empty, else /tmp. Returns that directory. */
const char *ig_tempdir(const char *dir);
/* Exits 1 ("DIR: cannot create a temporary file: why") unless scratch
 * files can be created in ig_tempdir(DIR): for a tool to check before
 * long work that will need one. */
void ig_tempdir_check(const char *dir);
/* Creates a scratch file in ig_tempdir(DIR), open for reading and
 * writing and unlinked at once, so that nothing is left behind whatever
 * ends the process (SIGKILL included); returns its descriptor. Exits 1
 * if it cannot be created. */
int ig_tempfile_scratch(const char *dir);

#endif
