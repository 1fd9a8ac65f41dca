// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * botsink top: the running sensor, refreshed every interval, read from the
 * pinned maps (cli/top.c) like botsink status. On a terminal: one screen,
 * redrawn in place (ANSI escapes, raw input through termios, restored on
 * every way out); piped: plain blocks of lines, one per refresh.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>
#include "cli/commands.h"
#include "cli/top.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"

/* The alternate screen, the cursor hidden; and back. */
#define SCREEN_ENTER "\033[?1049h\033[?25l"
#define SCREEN_LEAVE "\033[?25h\033[?1049l"
#define SCREEN_HOME "\033[H"
#define LINE_END "\033[K\r\n" /* the rest of an old, longer line erased */
#define SCREEN_REST "\033[J" /* everything below erased */

struct top_opts {
	const char *pin_dir;
	const char *state_dir;
	double interval;
	__u32 count; /* refreshes; 0: until stopped */
};

/* The terminal, when stdout is one. */
struct term {
	bool on; /* screen taken over */
	bool keys; /* stdin is a terminal in raw mode */
	struct termios saved;
	unsigned short rows, cols;
};

static void term_size(struct term *tm)
{
	struct winsize ws;

	tm->rows = 24;
	tm->cols = 80;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col) {
		tm->rows = ws.ws_row;
		tm->cols = ws.ws_col;
	}
}

/*
 * Keys one at a time, not echoed, without waiting for a line; ^C still
 * raises SIGINT (ISIG stays), which ends top through the signalfd.
 */
static void term_start(struct term *tm)
{
	struct termios raw;

	tm->on = true;
	term_size(tm);
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &tm->saved)) {
		raw = tm->saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tm->keys = !tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
	}
	fputs(SCREEN_ENTER, stdout);
	fflush(stdout);
}

static void term_stop(struct term *tm)
{
	if (!tm->on)
		return;
	if (tm->keys)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tm->saved);
	fputs(SCREEN_LEAVE, stdout);
	fflush(stdout);
	tm->on = tm->keys = false;
}

/* Up to n bytes of s, not ending inside a UTF-8 sequence. */
static size_t cut(const char *s, size_t len, size_t n)
{
	if (len <= n)
		return len;
	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

/* The screen redrawn in place: each line cut to the width, no more lines than rows. */
static void term_draw(const struct term *tm, const struct strbuf *text)
{
	const char *line = text->buf ? text->buf : "";
	unsigned int row = 0;

	fputs(SCREEN_HOME, stdout);
	while (*line && row < tm->rows) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		fwrite(line, 1, cut(line, len, tm->cols), stdout);
		/* No line break after the last row: the screen would scroll. */
		fputs(++row < tm->rows ? LINE_END : "\033[K", stdout);
		line += len + (end ? 1 : 0);
	}
	fputs(SCREEN_REST, stdout);
	fflush(stdout);
}

/*
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT (stop: a ^\ too restores the terminal,
 * without a core), SIGWINCH (a new size), SIGTSTP (^Z: the
 * terminal given back while stopped) through a signalfd: handled in the
 * loop, so that every way out restores the terminal.
 */
static int signals_open(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGTSTP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -1;
	return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

enum wake {
	WAKE_TICK, /* time to refresh */
	WAKE_REDRAW, /* a key changed the view, or the terminal's size */
	WAKE_STOP,
};

static enum wake on_signal(int sigfd, struct term *tm)
{
	struct signalfd_siginfo si;
	enum wake w = WAKE_REDRAW;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			term_size(tm);
		} else if (si.ssi_signo == SIGTSTP) {
			bool on = tm->on;

			term_stop(tm);
			kill(getpid(), SIGSTOP); /* until SIGCONT */
			if (on)
				term_start(tm);
		} else {
			w = WAKE_STOP;
		}
	}
	return w;
}

/*
 * Keys typed, read once poll said there are some: nothing there (0, as a
 * raw terminal says it) is a terminal that is gone, not read again.
 */
static enum wake on_keys(struct top *t, struct pollfd *in)
{
	enum wake w = WAKE_TICK;
	char keys[16];
	ssize_t n = read(STDIN_FILENO, keys, sizeof(keys));

	if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
		in->fd = -1;
	for (ssize_t i = 0; i < n && w != WAKE_STOP; i++) {
		if (keys[i] == 'q' || keys[i] == 'Q') {
			w = WAKE_STOP;
		} else if (keys[i] == 's') {
			top_next_sort(t);
			w = WAKE_REDRAW;
		} else if (keys[i] == 'f') {
			top_next_family(t);
			w = WAKE_REDRAW;
		}
	}
	return w;
}

/* Wait until the refresh due at `due` (CLOCK_MONOTONIC ns), a key or a signal. */
static enum wake wait_for(struct top *t, struct term *tm, int sigfd, uint64_t due)
{
	struct pollfd fds[2] = { { .fd = sigfd, .events = POLLIN },
				 { .fd = tm->keys ? STDIN_FILENO : -1, .events = POLLIN } };

	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		int ms = now >= due ? 0 : (int)((due - now + 999999) / 1000000);
		int ready = poll(fds, 2, ms);
		enum wake w;

		if (ready < 0 && errno != EINTR)
			return WAKE_STOP;
		if (ready > 0 && (fds[0].revents & POLLIN))
			return on_signal(sigfd, tm);
		if (ready > 0 && (fds[1].revents & POLLIN)) {
			w = on_keys(t, &fds[1]);
			if (w != WAKE_TICK)
				return w;
		} else if (ready > 0 && fds[1].revents) {
			fds[1].fd = -1; /* hung up: no more keys */
		}
		if (clock_ns(CLOCK_MONOTONIC) >= due)
			return WAKE_TICK;
	}
}

/* One block of lines on a pipe: blank line between blocks. 0, or -1 when stdout failed. */
static int print_block(const struct strbuf *text, unsigned int n)
{
	if (n)
		fputs("\n", stdout);
	fputs(text->buf ? text->buf : "", stdout);
	return fflush(stdout) || ferror(stdout) ? -1 : 0;
}

static int show(struct top *t, struct term *tm, struct strbuf *text, unsigned int shown)
{
	top_render(t, text, tm->on ? tm->rows : 0, tm->keys);
	if (tm->on) {
		term_draw(tm, text);
		return 0;
	}
	return print_block(text, shown);
}

/*
 * The loop: refresh every interval, draw. Piped, the first block waits an
 * interval, so that every block has rates; on a terminal the first screen
 * comes at once.
 */
static int top_loop(struct top *t, struct term *tm, int sigfd, __u32 count)
{
	uint64_t step = (uint64_t)(t->interval * 1e9), due = clock_ns(CLOCK_MONOTONIC);
	struct strbuf text = { 0 };
	unsigned int shown = 0;
	enum wake w = WAKE_TICK;
	int ret = 0;

	while (w != WAKE_STOP && (!count || shown < count)) {
		if (w == WAKE_TICK) {
			ret = top_refresh(t);
			if (ret)
				break;
			/* Every interval from the start; after a pause (^Z) from now. */
			due += step;
			if (due < clock_ns(CLOCK_MONOTONIC))
				due = clock_ns(CLOCK_MONOTONIC) + step;
		}
		/* Piped, only refreshes print: a block for each, from the second sample on. */
		if (tm->on || (w == WAKE_TICK && t->samples > 1)) {
			if (show(t, tm, &text, shown)) {
				ret = -errno;
				break;
			}
			shown += w == WAKE_TICK;
		}
		if (!count || shown < count)
			w = wait_for(t, tm, sigfd, due);
	}
	sb_free(&text);
	return ret;
}

static int top_main(void *opts, char **args)
{
	const struct top_opts *o = opts;
	struct term tm = { 0 };
	struct top t;
	char err[512];
	int sigfd, ret;

	(void)args;
	log_route_libraries();
	if (top_open(&t, o->pin_dir, o->state_dir, o->interval, err, sizeof(err))) {
		fprintf(stderr, "botsink top: %s\n", err);
		return EXIT_RUNTIME;
	}
	/* A reader that went away (top | head) ends the run; no SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	sigfd = signals_open();
	if (sigfd < 0) {
		fprintf(stderr, "botsink top: signals: %s\n", strerror(errno));
		top_close(&t);
		return EXIT_RUNTIME;
	}
	if (isatty(STDOUT_FILENO))
		term_start(&tm);
	ret = top_loop(&t, &tm, sigfd, o->count);
	term_stop(&tm);
	close(sigfd);
	top_close(&t);
	if (ret == -EPIPE)
		return EXIT_OK;
	if (ret) {
		fprintf(stderr, "botsink top: reading the maps under %s: %s\n", o->pin_dir,
			strerror(-ret));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static const struct opt top_opts[] = {
	OPT_PIN_DIR_ROW(struct top_opts, pin_dir),
	OPT_ROW(struct top_opts, "state-dir", "DIR", OPT_STRING, state_dir,
		.help = "the run's state directory: how it anonymizes (its view\n"
			"file), its keys, read only, and the publisher's state\n"
			"(default: " DEFAULT_STATE_DIR ")\n"),
	OPT_ROW(struct top_opts, "interval", "SECONDS", OPT_SECONDS, interval, .min = 0.1,
		.max = 3600, .expect = "a number of seconds from 0.1 to 3600",
		.help = "refresh every SECONDS, fractions allowed (default: 1)\n"),
	OPT_ROW(struct top_opts, "count", "N", OPT_UINT32, count, .min = 1, .max = UINT32_MAX,
		.expect = "a number of refreshes, 1 or more",
		.help = "stop after N refreshes (default: when stopped: q, ^C)\n"),
	OPT_END,
};

static const struct top_opts top_defaults = { .pin_dir = BOTSINK_DEFAULT_PIN_DIR,
					      .state_dir = DEFAULT_STATE_DIR,
					      .interval = 1.0 };

static const struct command_group top_group = {
	.intro = "Show the running sensor live, like top: frames and events per second,\n"
		 "check-ins per second per family, how full the counter tables are, the\n"
		 "busiest sources of the interval being counted (anonymized as the run's\n"
		 "feed is), drain lag and spool, read from the maps pinned under DIR\n"
		 "(default " BOTSINK_DEFAULT_PIN_DIR "); no daemon is needed to read them.\n"
		 "On a terminal the screen is redrawn in place; keys: q quit, s sort the\n"
		 "sources by check-ins, packets or bytes, f show one family, the next, all.\n"
		 "Piped, a block of plain lines per refresh, each headed by the time.\n",
	.outro = "Exit status: 0 quit or stopped, 1 no botsink maps under DIR, 2 bad usage.\n",
	.column = 28,
};

const struct command top_command =
	COMMAND(struct top_opts, "top", top_opts, &top_defaults, top_main, &top_group,
		.summary = "live view: rates per family, table fill, busiest sources");
