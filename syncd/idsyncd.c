/* SPDX-License-Identifier: MIT */
/*
 * idsyncd: the SCIM 2.0 service provider. Loads the configuration, opens the
 * store, starts the snapshot publisher and the HTTPS front end, and handles
 * signals: SIGHUP re-reads the TLS certificate and key, SIGTERM/SIGINT stop
 * gracefully (pending writes committed and answered, snapshot published).
 * Tells systemd when it is ready (Type=notify).
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "libidsync/config.h"
#include "libidsync/log.h"
#include "libidsync/store.h"
#include "syncd/publisher.h"
#include "syncd/scim_http.h"

struct daemon {
	struct event_base *base;
	struct scim_http *http;
	struct publisher *publisher;
};

/* sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET. */
static void
notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@') || (len = strlen(path)) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		ids_log_warn("cannot notify systemd (%s)", state);
	close(fd);
}

static void
on_committed(void *data)
{
	publisher_kick(((struct daemon *)data)->publisher);
}

static void
on_sighup(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	notify_systemd("RELOADING=1");
	if (scim_http_reload_tls(d->http) == 0)
		ids_log_info("SIGHUP: TLS certificate and key re-read");
	else
		ids_log_warnx("SIGHUP: keeping the TLS certificate and key in use");
	notify_systemd("READY=1");
}

static void
on_sigterm(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	ids_log_info("stopping: answering the requests in flight");
	notify_systemd("STOPPING=1");
	scim_http_shutdown(d->http); /* ends the loop once they are answered */
}

static void
usage(FILE *f)
{
	fprintf(f, "Usage: idsyncd [--config PATH]\n\n"
		   "The idsync SCIM 2.0 service provider: identity providers push Users and\n"
		   "Groups to https://ADDR:PORT/scim/v2 with a bearer token made by\n"
		   "'idsyncctl token create NAME'. Runs in the foreground; see idsyncd(8).\n\n"
		   "  -c, --config PATH  configuration file (default %s)\n"
		   "  -h, --help         this text\n"
		   "  -V, --version      the version\n\n"
		   "Signals: SIGHUP re-reads the TLS certificate and key; SIGTERM stops gracefully.\n"
		   "Exit status: 0 stopped by a signal, 2 usage, 3 configuration, 4 store, 1 other.\n",
		IDS_CONFIG_DEFAULT_PATH);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	const char *config_path = NULL;
	struct ids_config *cfg = NULL;
	struct ids_store *store = NULL;
	struct scim_service svc = {0};
	struct daemon d = {0};
	struct event *ev_hup = NULL, *ev_term = NULL, *ev_int = NULL;
	char *errors = NULL;
	int opt, r, status = 1;

	ids_log_init("idsyncd", IDS_LOG_STDERR, IDS_LOG_LEVEL_INFO);
	while ((opt = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("idsyncd %s\n", IDS_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (!config_path) {
		/* No file at all is the built-in defaults, as with idsyncctl. */
		config_path = IDS_CONFIG_DEFAULT_PATH;
		if (access(config_path, F_OK) < 0 && errno == ENOENT)
			config_path = NULL;
	}
	if (!config_path)
		cfg = ids_config_new_defaults();
	r = cfg ? 0 : config_path ? ids_config_load(config_path, &cfg, &errors) : -ENOMEM;
	if (r < 0) {
		fputs(errors ? errors : "idsyncd: cannot load the configuration\n", stderr);
		free(errors);
		return 3;
	}
	/* Under systemd, standard error already goes to the journal: syslog alone, not twice. */
	ids_log_init("idsyncd", getenv("JOURNAL_STREAM") ? IDS_LOG_SYSLOG : IDS_LOG_STDERR | IDS_LOG_SYSLOG,
		     cfg->log_level);
	signal(SIGPIPE, SIG_IGN);
	r = ids_store_open(cfg->store_path, cfg->map_size_mb, 0, &store);
	if (r < 0) {
		ids_log_errno(r, "cannot open the store %s%s", cfg->store_path,
			      r == -ENOENT ? " (make it with 'idsyncctl init')" : "");
		ids_config_free(cfg);
		return 4;
	}
	if (scim_service_init(&svc, cfg, store) < 0)
		goto out;
	d.base = event_base_new();
	if (!d.base)
		goto out;
	r = publisher_start(store, cfg, &d.publisher);
	if (r < 0) {
		ids_log_errno(r, "cannot start the snapshot publisher");
		goto out;
	}
	if (scim_http_new(d.base, &svc, on_committed, &d, &d.http) < 0)
		goto out;
	ev_hup = evsignal_new(d.base, SIGHUP, on_sighup, &d);
	ev_term = evsignal_new(d.base, SIGTERM, on_sigterm, &d);
	ev_int = evsignal_new(d.base, SIGINT, on_sigterm, &d);
	if (!ev_hup || !ev_term || !ev_int || evsignal_add(ev_hup, NULL) < 0 ||
	    evsignal_add(ev_term, NULL) < 0 || evsignal_add(ev_int, NULL) < 0)
		goto out;
	ids_log_info("ready on %s", scim_http_url(d.http));
	notify_systemd("READY=1");
	if (event_base_dispatch(d.base) < 0)
		ids_log_warnx("the event loop failed");
	else
		status = 0;
out:
	if (ev_hup)
		event_free(ev_hup);
	if (ev_term)
		event_free(ev_term);
	if (ev_int)
		event_free(ev_int);
	d.http = scim_http_free(d.http);
	publisher_stop(d.publisher); /* publishes what the last writes changed */
	if (d.base)
		event_base_free(d.base);
	scim_service_clear(&svc);
	ids_store_free(store);
	ids_config_free(cfg);
	if (status == 0)
		ids_log_info("stopped");
	return status;
}
