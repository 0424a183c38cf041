/* outbox.c: see outbox.h. */
#include <stdlib.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "common/util.h"
#include "webhook/outbox.h"
#include "webhook/queue.h"

/* How long the hook waits for another writer: a push must never feel it. */
#define OUTBOX_BUSY_MS 250

/* The name the forge gives the repository, from the hook environment. */
static char *forge_name(const char *repository, const char **forge_type)
{
	const char *owner = getenv("GITEA_REPO_USER_NAME"), *name = getenv("GITEA_REPO_NAME");
	if (owner && *owner && name && *name) {
		*forge_type = "gitea";
		return sigma_xasprintf("%s/%s", owner, name);
	}
	const char *gl = getenv("GL_PROJECT_PATH");
	if (gl && *gl) {
		*forge_type = "gitlab";
		return sigma_xstrdup(gl);
	}
	const char *gh = getenv("GITHUB_REPO_NAME");
	if (gh && *gh) {
		*forge_type = "github";
		return sigma_xstrdup(gh);
	}
	*forge_type = NULL;
	return sigma_xstrdup(repository);
}

int webhook_outbox_add_push(const char *db_path, const char *repository, const char *ref, const char *commit,
                            const char *certificate_id, const char *decision)
{
	if (!db_path || !repository || !commit || !certificate_id)
		return sigma_error_set(SIGMA_EINVALID, "outbox: repository, commit and certificate are required");
	const char *forge_type = NULL;
	char *name = forge_name(repository, &forge_type);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "repository", repository);
	cJSON_AddStringToObject(o, "forge_repository", name);
	if (forge_type)
		cJSON_AddStringToObject(o, "forge_type", forge_type);
	if (ref)
		cJSON_AddStringToObject(o, "ref", ref);
	cJSON_AddStringToObject(o, "sha", commit);
	cJSON_AddStringToObject(o, "certificate_id", certificate_id);
	cJSON_AddStringToObject(o, "decision", decision ? decision : "accepted");
	char *spec = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(name);

	webhook_queue *q = NULL;
	int rc = webhook_queue_open(&q, db_path, 1, OUTBOX_BUSY_MS);
	if (!rc)
		rc = webhook_queue_add_outbox(q, spec);
	webhook_queue_close(q);
	free(spec);
	return rc;
}
