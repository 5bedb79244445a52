/*
 * Statements whose mnemonic is a macro parameter, such as "1: \op" in the
 * body of Linux's op_safe_regs (arch/x86/lib/msr-reg.S), invoked as
 * "op_safe_regs rdmsr". afterburn does not expand macros, so it cannot know
 * what such a statement assembles to. What it can know is which bare words
 * the file passes to the macro: every argument of every invocation, keyword
 * arguments and parameter defaults included, and the values of an .irp
 * list. After the whole input is read, each parameter statement gets one
 * conditional arm per passed word that makes it a sensitive instruction;
 * emit.c writes the arms as gas string comparisons, so the expansion
 * decides and every other expansion assembles exactly as before.
 *
 * The words are collected per macro name (a redefined macro shares them)
 * and flow along forwarded parameters ("inner \op" in the body of outer).
 * A word too many only costs an arm that never matches; a word missed is a
 * gap that abcheck reports on the built object.
 */
#ifndef AFTERBURNER_MACRO_PARAM_H
#define AFTERBURNER_MACRO_PARAM_H

#include <stddef.h>

struct emitter;
struct sens_row;

/* The words one macro (or one .irp body) may receive as arguments. */
struct mp_group {
	char *name;   /* macro name; NULL for an .irp body */
	char **words; /* bare sensitive mnemonics passed to it */
	int nr_words;
};

/* An open .macro/.irp/.irpc/.rept body and the parameters it declares. */
struct mp_scope {
	int group; /* -1 for bodies without candidates */
	char **params;
	int nr_params;
};

/* "inner \op" in a body: the words of group from reach group to. */
struct mp_edge {
	int from, to;
};

/* A statement whose mnemonic is "\param", waiting for its arms. */
struct mp_site {
	size_t start, end; /* input offsets of the site */
	char *text;	   /* the statement's comment-free text */
	size_t len;
	size_t param_off; /* "\param" in text: the backslash */
	size_t param_len; /* length of "\param" */
	int group;	  /* group of the scope declaring param */
	int intel;	  /* .intel_syntax in effect */
	int after_sti;	  /* directly after an interrupt-shadow site */
	char *file;	  /* for messages */
	long lineno;
};

/* One arm: if the parameter is exactly word, the statement is row. */
struct mp_arm {
	const char *word;
	const struct sens_row *row;
};

struct macro_params {
	struct mp_group *groups;
	int nr_groups;
	struct mp_scope *scopes;
	int nr_scopes;
	struct mp_edge *edges;
	int nr_edges;
	struct mp_site *sites;
	int nr_sites;
};

void macro_params_init(struct macro_params *mp);
void macro_params_free(struct macro_params *mp);

/*
 * Follow one directive: .macro, .irp, .irpc and .rept open a body,
 * .endm and .endr close one; others are ignored. Malformed forms are
 * reported by directive.c, not here.
 */
void macro_params_directive(struct macro_params *mp, const char *name,
			    size_t nlen, const char *args, size_t alen);

/*
 * A statement (labels removed) that may invoke a macro: note the bare
 * sensitive mnemonics and forwarded parameters among its arguments.
 * is_macro: its first word names a macro defined so far. Inside a body
 * every statement counts, since a macro it invokes may be defined later.
 */
void macro_params_invocation(struct macro_params *mp, const char *text,
			     size_t len, int is_macro);

/*
 * If text (labels removed, optional prefixes, then "\name" and operands)
 * is a statement whose mnemonic is a parameter of an enclosing body,
 * return 1 and set *param_off and *param_len to the "\name" in text.
 * Returns 0 for anything else: an unknown name, a name joined to more
 * text ("\op\()q"), or a symbol assignment ("\opd = 1").
 */
int macro_params_statement(const struct macro_params *mp, const char *text,
			   size_t len, size_t *param_off, size_t *param_len,
			   int *group);

/* Remember a parameter statement for macro_params_arms. 0, or -1 (memory). */
int macro_params_add_site(struct macro_params *mp, const struct mp_site *site);

/* After the last line: let the words flow along forwarded parameters. */
void macro_params_resolve(struct macro_params *mp);

/*
 * The arms of a site: each word of its group that, put in place of the
 * parameter, makes a sensitive instruction. Returns the count (at most
 * max), or -1 if there are more.
 */
int macro_params_arms(const struct macro_params *mp, const struct mp_site *site,
		      struct mp_arm *arms, int max);

/*
 * Emit the site's arms (nothing if it has none). *why is set instead when
 * the site cannot be annotated and is an error. 0, or -1 (memory).
 */
int macro_params_emit(const struct macro_params *mp, const struct mp_site *site,
		      struct emitter *em, const char **why);

#endif
