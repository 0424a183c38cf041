/* fuzz_payload.c: libFuzzer target for the delivery reader
 * (webhook/payload.c), differential against cJSON, which it replaced.
 *
 * Whenever webhook_payload_pick accepts a body, cJSON must accept it too
 * and find, for every path, the same thing: present or not, the same type,
 * the same decoded string (as a C string), the same number. Then each
 * forge's event parser runs on the body, for the sanitizers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "common/error.h"
#include "webhook/forge.h"
#include "webhook/payload.h"

static const webhook_payload_field paths[] = {
	{ .path = { "a" } },
	{ .path = { "a", "b" } },
	{ .path = { "a", "b", "c" } },
	{ .path = { "a", "b", "c", "d" } },
	{ .path = { "a", "a" } },
	{ .path = { "b" } },
	{ .path = { "ab" } },
	{ .path = { "" } },
	{ .path = { "a", "" } },
	{ .path = { "\xc3\xa9" } },
	{ .path = { "action" } },
	{ .path = { "number" } },
	{ .path = { "pull_request", "head", "sha" } },
	{ .path = { "pull_request", "head", "repo", "clone_url" } },
	{ .path = { "repository", "full_name" } },
	{ .path = { "object_attributes", "oldrev" } },
};
#define NPATHS (sizeof paths / sizeof paths[0])

static webhook_payload_type type_of(const cJSON *v)
{
	if (!v)
		return PAYLOAD_MISSING;
	if (cJSON_IsNull(v))
		return PAYLOAD_NULL;
	if (cJSON_IsFalse(v))
		return PAYLOAD_FALSE;
	if (cJSON_IsTrue(v))
		return PAYLOAD_TRUE;
	if (cJSON_IsNumber(v))
		return PAYLOAD_NUMBER;
	if (cJSON_IsString(v))
		return PAYLOAD_STRING;
	if (cJSON_IsArray(v))
		return PAYLOAD_ARRAY;
	if (cJSON_IsObject(v))
		return PAYLOAD_OBJECT;
	abort();
}

static void compare(const webhook_payload_field *f, const cJSON *root)
{
	const cJSON *v = root;
	for (size_t k = 0; v && f->path[k]; k++)
		v = cJSON_GetObjectItemCaseSensitive(v, f->path[k]);
	if (f->type != type_of(v))
		abort();
	if (f->type == PAYLOAD_STRING) {
		char *mine = webhook_payload_text(f);
		const char *theirs = v->valuestring && *v->valuestring ? v->valuestring : NULL;
		if (!mine != !theirs || (mine && strcmp(mine, theirs) != 0))
			abort();
		free(mine);
	} else if (f->type == PAYLOAD_NUMBER) {
		double d;
		if (webhook_payload_number(&d, f) != 0 || !(d == v->valuedouble || (isnan(d) && isnan(v->valuedouble))))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	webhook_payload_field fields[NPATHS];
	memcpy(fields, paths, sizeof paths);
	const char *body = (const char *)data;
	if (webhook_payload_pick(fields, NPATHS, body, size) == 0) {
		cJSON *root = cJSON_ParseWithLength(body, size);
		if (!root || !cJSON_IsObject(root))
			abort(); /* accepted something cJSON refused */
		for (size_t i = 0; i < NPATHS; i++)
			compare(&fields[i], root);
		cJSON_Delete(root);
	} else {
		for (size_t i = 0; i < NPATHS; i++)
			if (fields[i].type != PAYLOAD_MISSING)
				abort();
		if (strncmp(sigma_error_last(), "body is not a JSON object", 25) != 0)
			abort();
	}

	static const struct {
		webhook_forge_type type;
		const char *event;
	} events[] = {
		{ FORGE_GITHUB, "pull_request" }, { FORGE_GITHUB, "push" }, { FORGE_GITEA, "pull_request" },
		{ FORGE_GITLAB, "Merge Request Hook" }, { FORGE_GITLAB, "Push Hook" },
	};
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
		webhook_event ev;
		if (webhook_forge_parse_event(&ev, events[i].type, events[i].event, body, size) == 0) {
			if (ev.kind != EVENT_IGNORED) {
				char *spec = webhook_event_to_json(&ev);
				webhook_event back;
				if (webhook_event_from_json(&back, spec) != 0 || strcmp(back.sha, ev.sha) != 0 ||
				    strcmp(back.repository, ev.repository) != 0 || back.number != ev.number)
					abort(); /* the job spec must read back as written */
				webhook_event_dispose(&back);
				free(spec);
			}
			webhook_event_dispose(&ev);
		}
	}
	return 0;
}
