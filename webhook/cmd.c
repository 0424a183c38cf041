/* cmd.c: `sigma serve [--listen ADDR:PORT] [--config FILE] [--db PATH]
 * [--workers N]`.
 *
 * Start-up order matters for the promise "every delivery answered 202 is
 * processed": the database and its tables exist, jobs a killed service
 * left running are put back, and only then does the port open. Shutdown
 * (SIGTERM or SIGINT) runs the other way: the port closes and requests in
 * flight are answered, the last commit batch is written, then workers and
 * the poster finish what they hold and stop. A job cut short by a kill is
 * simply run again at the next start.
 *
 * Signals are blocked in every thread and taken by sigwait() in the main
 * one, so no handler and no global flag is needed. One service per
 * database: a lock file beside it refuses a second one, which would put
 * the first one's running jobs back in the queue. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/util.h"
#include "registry/db.h"
#include "registry/open.h"
#include "webhook/cmd.h"
#include "webhook/serve.h"
#include "webhook/service.h"
#include "webhook/settings.h"
#include "webhook/worker.h"

#define MAX_WORKERS 256

static void wake_on_commit(void *ctx)
{
	webhook_service_wake_jobs(ctx);
}

/* The base URL of the certificate links when publicUrl is not set. */
static char *default_public_url(const char *listen, int port, int tls)
{
	const char *colon = strrchr(listen, ':');
	size_t hl = colon ? (size_t)(colon - listen) : strlen(listen);
	char *host = sigma_xstrndup(listen, hl);
	int v6 = strchr(host, ':') && host[0] != '[';
	char *url = sigma_xasprintf("%s://%s%s%s:%d", tls ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "", port);
	free(host);
	return url;
}

static int lock_database(const char *db)
{
	char *path = sigma_xasprintf("%s.serve.lock", db);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		int rc = sigma_error_set(SIGMA_EIO, "%s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int rc = sigma_error_set(SIGMA_EIO, "%s: another sigma serve uses this database", path);
		close(fd);
		free(path);
		return rc;
	}
	free(path);
	return fd;
}

int webhook_cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "workers", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = NULL, *config = NULL, *db = NULL;
	int workers = -1, ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': listen = optarg; break;
		case 'c': config = optarg; break;
		case 'd': db = optarg; break;
		case 'w': {
			char *end = NULL;
			long n = strtol(optarg, &end, 10);
			if (!end || *end || end == optarg || n < 0 || n > MAX_WORKERS)
				return cli_usage_error("serve", "serve: --workers takes 0 to %d", MAX_WORKERS);
			workers = (int)n;
			break;
		}
		case 'h': webhook_cmd_help(stdout); return 0;
		default: return cli_usage_error("serve", "serve: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error("serve", "serve takes no arguments");

	webhook_settings settings;
	webhook_service svc;
	webhook_server *server = NULL;
	pthread_t threads[MAX_WORKERS + 1];
	int nthreads = 0, status = 1, lock_fd = -1, rc;
	char *dbpath = NULL, **names = NULL;
	memset(&svc, 0, sizeof svc);
	if ((rc = webhook_settings_load(&settings, config)))
		return cli_fail(1);
	/* The judging settings (sigma.*) come from the same file: config_load
	 * reads $SIGMA_CONFIG. Set before any thread exists. */
	if (config)
		setenv("SIGMA_CONFIG", config, 1);
	if (workers < 0)
		workers = settings.workers;
	/* Jobs get the hook's deadline unless serve.jobTimeout says otherwise:
	 * sigma.timeout, read the way the hook reads it. */
	if (settings.job_timeout_ms == 0) {
		sigma_config judging;
		if (config_load(&judging, NULL) == 0) {
			settings.job_timeout_ms = judging.timeout_ms;
			config_dispose(&judging);
		} else {
			settings.job_timeout_ms = 4000;
		}
	}
	sigma_config dbcfg;
	memset(&dbcfg, 0, sizeof dbcfg);
	dbcfg.database = settings.database;
	/* The registry must exist before anything is made beside it (the lock
	 * file): a wrong path is said with its origin and fix, as everywhere. */
	if ((rc = registry_open_configured(&svc.registry_reader, &dbpath, db, &dbcfg, REGISTRY_READWRITE)) ||
	    (lock_fd = lock_database(dbpath)) < 0) {
		cli_fail(1);
		goto out;
	}

	svc.settings = &settings;
	svc.db_path = dbpath;
	atomic_init(&svc.stopping, 0);
	pthread_mutex_init(&svc.wake_lock, NULL);
	pthread_cond_init(&svc.wake_jobs, NULL);
	pthread_cond_init(&svc.wake_poster, NULL);
	pthread_mutex_init(&svc.read_lock, NULL);
	for (int i = 0; i < WEBHOOK_MIRROR_LOCKS; i++)
		pthread_mutex_init(&svc.mirror_locks[i], NULL);
	names = sigma_xcalloc(settings.nforges + 1, sizeof *names);
	for (size_t i = 0; i < settings.nforges; i++)
		names[i] = settings.forges[i].name;
	webhook_metrics_init(&svc.metrics, names, settings.nforges);

	/* The registry's schema first (it owns the file), then ours. */
	if ((rc = webhook_queue_open(&svc.reader, dbpath, settings.sync_full, 10000))) {
		cli_fail(1);
		goto out;
	}
	if ((rc = webhook_queue_link_secret(svc.link_key, svc.reader))) {
		cli_fail(1);
		goto out;
	}
	int recovered = webhook_queue_recover(svc.reader);
	if (recovered < 0) {
		cli_fail(1);
		goto out;
	}

	/* Every thread started from here on inherits the blocked set. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = webhook_committer_start(&svc.committer, dbpath, settings.sync_full, wake_on_commit, &svc))) {
		cli_fail(1);
		goto out;
	}
	int port = 0;
	const char *addr = listen ? listen : settings.listen;
	if ((rc = webhook_server_start(&server, &svc, addr, &port))) {
		cli_fail(1);
		goto out;
	}
	svc.public_url = settings.public_url ? sigma_xstrdup(settings.public_url)
	                                     : default_public_url(addr, port, settings.tls_cert != NULL);
	for (int i = 0; i < workers; i++)
		if (pthread_create(&threads[nthreads], NULL, webhook_worker_main, &svc) == 0)
			nthreads++;
	if (pthread_create(&threads[nthreads], NULL, webhook_poster_main, &svc) == 0)
		nthreads++;

	char *shown = default_public_url(addr, port, settings.tls_cert != NULL);
	printf("sigma serve: listening on %s (%d worker%s, %zu forge%s, database %s)\n", shown, workers,
	       workers == 1 ? "" : "s", settings.nforges, settings.nforges == 1 ? "" : "s", dbpath);
	fflush(stdout);
	free(shown);
	if (recovered > 0)
		fprintf(stderr, "sigma serve: %d job%s left running by the last run put back in the queue\n", recovered,
		        recovered == 1 ? "" : "s");

	int sig = 0;
	sigwait(&sigs, &sig);
	fprintf(stderr, "sigma serve: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	status = 0;
out:
	/* Close the door, answer who is inside, write the last batch, stop the rest. */
	webhook_server_stop(server);
	webhook_committer_stop(svc.committer);
	atomic_store(&svc.stopping, 1);
	if (names) {
		webhook_service_wake_jobs(&svc);
		webhook_service_wake_poster(&svc);
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	webhook_queue_close(svc.reader);
	registry_close(svc.registry_reader);
	if (names) {
		webhook_metrics_dispose(&svc.metrics);
		pthread_mutex_destroy(&svc.wake_lock);
		pthread_cond_destroy(&svc.wake_jobs);
		pthread_cond_destroy(&svc.wake_poster);
		pthread_mutex_destroy(&svc.read_lock);
		for (int i = 0; i < WEBHOOK_MIRROR_LOCKS; i++)
			pthread_mutex_destroy(&svc.mirror_locks[i]);
	}
	free(names);
	free(svc.public_url);
	explicit_bzero(svc.link_key, sizeof svc.link_key);
	if (lock_fd >= 0)
		close(lock_fd);
	free(dbpath);
	webhook_settings_dispose(&settings);
	if (status == 0)
		fprintf(stderr, "sigma serve: stopped\n");
	return status;
}

void webhook_cmd_help(FILE *out)
{
	fputs("usage: sigma serve [--listen ADDR:PORT] [--config FILE] [--db PATH] [--workers N]\n"
	      "\n"
	      "The webhook service: receives pull request and push events from GitHub,\n"
	      "Gitea and GitLab at POST /webhook/NAME, judges each commit, and posts a\n"
	      "commit status that links to the certificate page. Also posts the statuses\n"
	      "of pushes the pre-receive hook accepted.\n"
	      "\n"
	      "Routes: POST /webhook/NAME, GET /certificates/ID, GET /packages/ECO/NAME/VERSION,\n"
	      "        GET /healthz, GET /metrics\n"
	      "\n"
	      "Settings (git config syntax; --config, else $SIGMA_CONFIG, else /etc/sigma/config):\n"
	      "  [forge \"NAME\"] type = github|gitea|gitlab, url = API base URL,\n"
	      "                 secret = webhook secret, token (or tokenFile) = API token,\n"
	      "                 context = status context (default sigma/supply-chain),\n"
	      "                 webUrl = where clone URLs point (the only origin given the token)\n"
	      "  [repository \"KEY\"] forge = NAME, name = owner/repo, path = local repository,\n"
	      "                 url = fetch URL replacing the payload's (file://, paths, other hosts)\n"
	      "  [serve] listen (default 127.0.0.1:8383), publicUrl, mirrors, workers (2),\n"
	      "          tlsCert, tlsKey, sync (full|normal), retryBase, retryMax,\n"
	      "          maxAttempts, outboxDelay, jobTimeout (default sigma.timeout),\n"
	      "          fetchTimeout, receiveTimeout, maxConnections,\n"
	      "          maxConnectionsPerAddress, unverifiedBytes\n"
	      "See docs/SERVE.md. SIGTERM stops it gracefully; --workers 0 only receives.\n", out);
}
