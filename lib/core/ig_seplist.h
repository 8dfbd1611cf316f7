/* Separated lists of option values ("view,like", "k=v;k=v"), split in
 * place, with empty elements refused: "5," or "a,,b" is a typo more often
 * than a wish, and strtok would pass it over in silence. */
#ifndef IG_SEPLIST_H
#define IG_SEPLIST_H

/* Takes the next element of the list at *CURSOR, whose separators are
 * overwritten with NULs; start with *CURSOR at a writable copy of the list.
 * Returns 1 with *ELEM set, 0 when the list is done, and -1 when the
 * element is empty (an empty list, a leading or trailing separator, or two
 * in a row). */
int ig_seplist_next(char **cursor, int sep, char **elem);

#endif
