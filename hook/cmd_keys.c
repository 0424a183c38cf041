/* cmd_keys.c: `sigma keygen` and `sigma verify`, the two ends of signed
 * certificates (common/seal.h).
 *
 *   sigma keygen [--out PRIVATE_KEY_PATH] [--system] [--group GROUP]
 *       writes an Ed25519 pair: the private key where sigma.signingKey points
 *       (default /etc/sigma/signing.key on a server, else
 *       $XDG_DATA_HOME/sigma/signing.key), 0600, or 0640 and of GROUP (default
 *       the group "sigma" when it exists) so that the git user's hook can
 *       sign; and the public key beside it (0644) with .pub in place of .key.
 *   sigma verify CERTIFICATE.json [--key PUBLIC_KEY]...
 *       checks the id against the content and the signature against the
 *       given public keys (default: the configured pair's public key), and
 *       says which key signed. Exit 0 verified, 1 not, 2 usage. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/json.h"
#include "common/seal.h"
#include "common/sign.h"
#include "common/util.h"
#include "hook/certificate.h"
#include "hook/cmd.h"
#include "registry/open.h"

int keys_keygen_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "system", no_argument, NULL, 'S' },
		{ "group", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *group = NULL;
	int ch, system_paths = 0;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if (ch == 'S')
			system_paths = 1;
		else if (ch == 'g')
			group = optarg;
		else if (ch == 'h') {
			keys_keygen_help(stdout);
			return 0;
		} else
			return cli_usage_error("keygen", "keygen: unknown option '%s'", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage_error("keygen", "keygen takes no arguments");
	sigma_config cfg;
	char *priv = NULL, *pub = NULL, id[65];
	int explicit = 0, status = 0, have_group = 0;
	gid_t gid = 0;
	int rc = config_load(&cfg, NULL);
	cfg.paths = system_paths ? CONFIG_PATHS_SYSTEM : CONFIG_PATHS_AUTO;
	if (!rc && !out)
		rc = config_signing_key_path(&priv, &explicit, &cfg);
	if (!rc && out)
		priv = sigma_xstrdup(out);
	if (!rc)
		rc = registry_group(&gid, &have_group, group);
	if (!rc) {
		/* On a server the key's directory is passed through by the git
		 * user; the private key's own mode keeps it secret. */
		char *dir = sigma_xstrdup(priv), *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			rc = sigma_mkdir_p(dir, have_group || config_server_paths(&cfg) ? 0755 : 0700);
		}
		free(dir);
	}
	if (!rc) {
		pub = sign_public_path(priv);
		rc = sign_keygen(priv, pub, id, have_group ? (long)gid : -1);
	}
	if (rc)
		status = cli_fail(1);
	else
		printf("private key: %s\npublic key:  %s\nkey id:      %s\n", priv, pub, id);
	free(priv);
	free(pub);
	config_dispose(&cfg);
	return status;
}

void keys_keygen_help(FILE *out)
{
	fputs("usage: sigma keygen [--out PRIVATE_KEY_PATH] [--system] [--group GROUP]\n"
	      "\n"
	      "Write an Ed25519 signing key pair. The private key goes to --out, else to\n"
	      "sigma.signingKey, else " SIGMA_SYSCONF_DIR "/signing.key (with --system or when\n"
	      SIGMA_STATE_DIR " exists), else $XDG_DATA_HOME/sigma/signing.key; never\n"
	      "overwritten. Mode 0640 and group GROUP (default: 'sigma' when it exists), so\n"
	      "the git user's hook can sign, else 0600. The public key goes beside it,\n"
	      ".key replaced by .pub (0644). Certificates are signed with it from then on;\n"
	      "sigma refuses a private key that others may read.\n", out);
}

int keys_verify_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char **key_paths = NULL;
	size_t nkeys = 0;
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (ch == 'k') {
			key_paths = sigma_xrealloc(key_paths, (nkeys + 1) * sizeof *key_paths);
			key_paths[nkeys++] = optarg;
		} else if (ch == 'h') {
			keys_verify_help(stdout);
			free(key_paths);
			return 0;
		} else {
			free(key_paths);
			return cli_usage_error("verify", "verify: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc) {
		free(key_paths);
		return cli_usage_error("verify", "usage: sigma verify CERTIFICATE.json [--key PUBLIC_KEY]...");
	}
	const char *file = argv[optind];
	sigma_config cfg;
	sigma_key **keys = NULL;
	const char **loaded_paths = NULL;
	size_t loaded = 0;
	char *default_pub = NULL;
	sigma_buf text = SIGMA_BUF_INIT;
	int status = 1, rc = config_load(&cfg, NULL);
	if (!rc && !nkeys) {
		char *priv = NULL;
		int explicit = 0;
		if ((rc = config_signing_key_path(&priv, &explicit, &cfg)) == 0) {
			default_pub = sign_public_path(priv);
			key_paths = sigma_xrealloc(key_paths, sizeof *key_paths);
			key_paths[nkeys++] = default_pub;
		}
		free(priv);
	}
	keys = sigma_xcalloc(nkeys ? nkeys : 1, sizeof *keys);
	loaded_paths = sigma_xcalloc(nkeys ? nkeys : 1, sizeof *loaded_paths);
	for (size_t i = 0; !rc && i < nkeys; i++) {
		int lr = sign_key_load_public(&keys[loaded], key_paths[i]);
		if (lr == 0)
			loaded_paths[loaded++] = key_paths[i];
		else if (!(lr == SIGMA_ENOTFOUND && key_paths[i] == default_pub))
			rc = lr;
	}
	if (!rc)
		rc = !strcmp(file, "-") ? sigma_buf_read_fd(&text, 0) : sigma_buf_read_file(&text, file);
	if (rc) {
		cli_fail(1);
		goto out;
	}
	/* Submission certificates carry "id", package certificates "certificate_id". */
	cJSON *probe = cJSON_ParseWithLength(text.ptr, text.len);
	const char *id_field = json_str(probe, "id") ? "id" : "certificate_id";
	int is_signed = cJSON_GetObjectItemCaseSensitive(probe, "signature") != NULL;
	char signer[65], id[65] = "";
	rc = seal_check(text.ptr, text.len, id_field, keys, loaded, signer, id);
	/* A v2 or v3 submission certificate names each chain by links; an intact seal
	 * over links that lead nowhere would still be a certificate no one can
	 * read, so they are checked too. */
	cert_chains chains;
	memset(&chains, 0, sizeof chains);
	if (!rc && (sigma_streq(json_str(probe, "schema"), CERTIFICATE_SCHEMA) ||
	            sigma_streq(json_str(probe, "schema"), CERTIFICATE_SCHEMA_V2)) &&
	    (rc = certificate_chains_load(&chains, probe)))
		sigma_error_wrap(rc, "the chains do not hold: ");
	cert_chains_dispose(&chains);
	cJSON_Delete(probe);
	if (rc) {
		printf("FAILED: %s: %s\n", file, sigma_error_last());
	} else if (!is_signed) {
		printf("NOT SIGNED: %s: the id %s matches the content, but there is no signature\n", file, id);
	} else {
		const char *path = "";
		for (size_t i = 0; i < loaded; i++)
			if (!strcmp(sign_key_id(keys[i]), signer))
				path = loaded_paths[i];
		printf("OK: %s: certificate %s, signed by key %s%s%s%s\n", file, id, signer,
		       *path ? " (" : "", path, *path ? ")" : "");
		status = 0;
	}
out:
	for (size_t i = 0; i < loaded; i++)
		sign_key_free(keys[i]);
	free(keys);
	free(loaded_paths);
	free(key_paths);
	free(default_pub);
	sigma_buf_dispose(&text);
	config_dispose(&cfg);
	return status;
}

void keys_verify_help(FILE *out)
{
	fputs("usage: sigma verify CERTIFICATE.json [--key PUBLIC_KEY]...\n"
	      "\n"
	      "Check a submission or package certificate: its id against its content,\n"
	      "and its Ed25519 signature against the public keys given (default: the\n"
	      "public key beside sigma.signingKey). Says which key signed.\n"
	      "Exit status: 0 verified, 1 altered, unsigned or signed by an unknown key.\n", out);
}
