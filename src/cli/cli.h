/* fastdata command-line tool: one function per subcommand. */
#ifndef FDATA_CLI_H
#define FDATA_CLI_H

int cmd_cat(int argc, char **argv);
int cmd_schema(int argc, char **argv);

/* Prints "fastdata: <message>" on stderr; returns the exit status 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
