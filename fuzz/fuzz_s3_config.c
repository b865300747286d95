/* libFuzzer target: any bytes as the shared credentials and config files (~/.aws/credentials,
 * ~/.aws/config: sections, keys, nested "s3 =" settings, target_bandwidth), with their first
 * line also given as the container credentials URL or, when the input's size is odd,
 * the STS endpoint of web identity: the files and URLs a user's environment controls. */
#include <string.h>
#include "fuzz_file.h"
#include "s3/config.h"

static const char *path;
static char first_line[256];
static int web_identity;

static const char *env(const char *name, void *ctx) {
    (void)ctx;
    if (strcmp(name, "AWS_SHARED_CREDENTIALS_FILE") == 0 || strcmp(name, "AWS_CONFIG_FILE") == 0)
        return path;
    if (strcmp(name, "AWS_EC2_METADATA_DISABLED") == 0)
        return "true";
    if (web_identity && (strcmp(name, "AWS_WEB_IDENTITY_TOKEN_FILE") == 0 ||
                         strcmp(name, "AWS_ROLE_ARN") == 0))
        return "x";
    if (strcmp(name, web_identity ? "AWS_ENDPOINT_URL_STS" : "AWS_CONTAINER_CREDENTIALS_FULL_URI") == 0)
        return first_line;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    path = fuzz_file(data, size);
    const uint8_t *nl = memchr(data, '\n', size);
    size_t n = nl ? (size_t)(nl - data) : size;
    n = n < sizeof first_line - 1 ? n : sizeof first_line - 1;
    memcpy(first_line, data, n);
    first_line[n] = '\0';
    web_identity = size & 1;
    struct s3_config_options o = {0};
    struct s3_config c;
    struct fdata_error err;
    if (s3_config_resolve(&o, env, NULL, &c, &err) == FDATA_OK)
        s3_config_free(&c);
    s3_credential_url_allowed(first_line, 1, &err);
    return 0;
}
