/*
 * The assembler wrapper. Installed as "as" in a directory of its own so
 * that "gcc -B DIR/" runs it wherever gcc would run the real assembler:
 *
 *   as [gas options] [INPUT...]      (no INPUT or "-": standard input)
 *
 * Each input is run through afterburn (mode from --32/--64/--x32) into a
 * temporary .s file, then the real assembler ($AB_REAL_AS, default
 * /usr/bin/as) runs with the original arguments, the annotated files in
 * place of the inputs. --version, --help and friends go straight to the real
 * assembler. Any afterburn failure fails the assembler run, loudly.
 *
 * Environment: AB_REAL_AS (real as), AB_AFTERBURN (afterburn binary, default
 * ../bin/afterburn next to this program), AB_EXCLUDE (colon-separated
 * fnmatch patterns on the -o object path whose code is not annotated; see
 * docs/afterburner.md), AB_KEEP=1 (keep the annotated temporary files).
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define AB_DEFAULT_REAL_AS "/usr/bin/as"

/*
 * Objects that gcc builds for user mode or for code outside vmlinux and its
 * modules: the vDSO (runs in guest user mode; its link rejects absolute
 * relocations) and the decompressor and purgatory (never run under the VMM).
 */
#define AB_DEFAULT_EXCLUDE                                            \
	"*/entry/vdso/vclock_gettime.o:*/entry/vdso/vgetcpu.o:"       \
	"*/entry/vdso/vgetrandom.o:*/entry/vdso/vgetrandom-chacha.o:" \
	"*/entry/vdso/vsgx.o:*/entry/vdso/vdso-note.o:"               \
	"*/entry/vdso/vdso32/*:*/boot/compressed/*:*/purgatory/*"

/* gas options whose value is the next argument. */
static const char *const as_options_with_value[] = {
	"-o", "-I", "--defsym", "--MD", "--debug-prefix-map", "-Z", NULL
};

static char **temp_files;
static int nr_temp_files;

static void cleanup(void)
{
	if (getenv("AB_KEEP"))
		return;
	for (int i = 0; i < nr_temp_files; i++)
		unlink(temp_files[i]);
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "as (afterburner wrapper): ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	cleanup();
	exit(1);
}

static int option_takes_value(const char *arg)
{
	for (int i = 0; as_options_with_value[i]; i++)
		if (strcmp(arg, as_options_with_value[i]) == 0)
			return 1;
	return 0;
}

static int option_is_info(const char *arg)
{
	return strcmp(arg, "--version") == 0 || strcmp(arg, "-version") == 0 ||
	       strcmp(arg, "--help") == 0 ||
	       strncmp(arg, "--target-help", 13) == 0;
}

static const char *afterburn_path(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n;

	if (getenv("AB_AFTERBURN"))
		return getenv("AB_AFTERBURN");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		die("cannot find myself: %s", strerror(errno));
	self[n] = 0;
	snprintf(path, sizeof(path), "%s/../bin/afterburn", dirname(self));
	return path;
}

static int output_excluded(const char *obj)
{
	const char *list = getenv("AB_EXCLUDE");
	char *copy, *pat, *save = NULL;
	int hit = 0;

	if (!obj)
		return 0;
	if (!list)
		list = AB_DEFAULT_EXCLUDE;
	copy = strdup(list);
	for (pat = strtok_r(copy, ":", &save); pat && !hit;
	     pat = strtok_r(NULL, ":", &save))
		hit = fnmatch(pat, obj, 0) == 0;
	free(copy);
	return hit;
}

static int run(char **argv)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "as (afterburner wrapper): %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

/* Annotate one input into a fresh temporary file; returns its name. */
static char *annotate(const char *afterburn, const char *mode,
		      const char *input)
{
	const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char *name;
	char *argv[6];
	int fd, i = 0;

	if (asprintf(&name, "%s/ab-as-XXXXXX.s", tmpdir) < 0)
		die("%s", "out of memory");
	fd = mkstemps(name, 2);
	if (fd < 0)
		die("cannot create a temporary file: %s", strerror(errno));
	close(fd);
	temp_files[nr_temp_files++] = name;
	argv[i++] = (char *)afterburn;
	argv[i++] = (char *)mode;
	argv[i++] = "-o";
	argv[i++] = name;
	argv[i++] = (char *)input; /* "-" reads our standard input */
	argv[i] = NULL;
	if (run(argv) != 0)
		die("afterburn failed on %s; not assembling", input);
	return name;
}

int main(int argc, char **argv)
{
	const char *real_as = getenv("AB_REAL_AS");
	const char *mode = "--mode=64", *obj = NULL, *afterburn;
	char **args = calloc(argc + 2, sizeof(char *));
	int nr_inputs = 0, i, status;

	if (!real_as || !real_as[0])
		real_as = AB_DEFAULT_REAL_AS;
	temp_files = calloc(argc + 1, sizeof(char *));
	if (!args || !temp_files)
		die("%s", "out of memory");
	for (i = 1; i < argc; i++) {
		if (option_is_info(argv[i]))
			goto passthrough;
		if (argv[i][0] == '@')
			die("response file %s is not supported", argv[i]);
		if (strcmp(argv[i], "--32") == 0)
			mode = "--mode=32";
		else if (strcmp(argv[i], "--64") == 0 ||
			 strcmp(argv[i], "--x32") == 0)
			mode = "--mode=64";
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			obj = argv[i + 1];
		if (option_takes_value(argv[i]))
			i++;
		else if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)
			nr_inputs++;
	}
	if (getenv("AB_DISABLE") || output_excluded(obj))
		goto passthrough;

	afterburn = afterburn_path();
	args[0] = (char *)real_as;
	for (i = 1; i < argc; i++) {
		args[i] = argv[i];
		if (option_takes_value(argv[i]) && i + 1 < argc) {
			args[i + 1] = argv[i + 1];
			i++;
		} else if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
			args[i] = annotate(afterburn, mode, argv[i]);
		}
	}
	if (nr_inputs == 0) /* gas reads standard input */
		args[argc] = annotate(afterburn, mode, "-");
	status = run(args);
	cleanup();
	return status;

passthrough:
	argv[0] = (char *)real_as;
	execv(real_as, argv);
	die("cannot run the real assembler: %s", strerror(errno));
	return 1;
}
