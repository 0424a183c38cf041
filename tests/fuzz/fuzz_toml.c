/* fuzz_toml.c: libFuzzer target for the TOML reader on its own. Every
 * rejection must name the file and line; every accepted tree is walked. */
#include <stdlib.h>
#include <string.h>
#include "common/error.h"
#include "common/toml.h"

static size_t walk(const toml_value *v, int depth)
{
	size_t n = 1;
	if (depth > TOML_MAX_DEPTH + 2)
		abort(); /* the depth cap did not hold */
	for (uint32_t i = 0; i < v->n; i++) {
		if (v->type == TOML_TABLE && !v->keys[i])
			abort();
		n += walk(v->items[i], depth + 1);
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	toml_value *v = NULL;
	int rc = toml_parse(&v, "f.toml", (const char *)data, size);
	if (rc == 0) {
		walk(v, 0);
		(void)toml_getstr(v, "name");
		toml_free(v);
	} else if (strncmp(sigma_error_last(), "f.toml:", 7) != 0) {
		abort();
	}
	return 0;
}
