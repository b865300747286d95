/* Buckets in another region than the client's: S3 answers a request signed for the wrong
 * region with a 301 PermanentRedirect or a 400 AuthorizationHeaderMalformed naming the
 * bucket's region (x-amz-bucket-region, or <Region> in the error), as the AWS SDKs learn it:
 * the client keeps it for that bucket and requests go there from then on (signed for it, and
 * to its regional host on AWS). */
#include <stdio.h>
#include <string.h>
#include "request.h"

static struct s3_bucket_region *find(fdata_s3_client *c, const char *bucket) {
    unsigned n = c->regions_learned < S3_REGIONS_KEPT ? c->regions_learned : S3_REGIONS_KEPT;
    for (unsigned i = 0; i < n; i++)
        if (strcmp(c->regions[i].bucket, bucket) == 0)
            return &c->regions[i];
    return NULL;
}

void s3_bucket_region(fdata_s3_client *c, const char *bucket, char region[S3_REGION_SIZE]) {
    pthread_mutex_lock(&c->region_lock);
    const struct s3_bucket_region *b = bucket ? find(c, bucket) : NULL;
    snprintf(region, S3_REGION_SIZE, "%s", b ? b->region : c->cfg.region);
    pthread_mutex_unlock(&c->region_lock);
}

/* A region name as S3 writes them ("eu-west-1", "cn-north-1"): lower-case letters, digits
 * and dashes, nothing that could reach a host name or a log unescaped. */
static int plausible_region(const char *s) {
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
    return n > 0 && s[n] == '\0';
}

int s3_learn_region(fdata_s3_client *c, const char *bucket, const char *used,
                    const struct response *r, const struct s3_error_doc *e) {
    int redirect = r->status == 301 || r->status == 307 ||
                   (r->status == 400 && strcmp(e->code, "AuthorizationHeaderMalformed") == 0);
    const char *region = r->bucket_region[0] ? r->bucket_region : e->region;
    if (!bucket || !redirect || !plausible_region(region) || strcmp(region, used) == 0 ||
        strlen(bucket) >= sizeof c->regions[0].bucket)
        return 0;
    pthread_mutex_lock(&c->region_lock);
    struct s3_bucket_region *b = find(c, bucket);
    if (!b)
        b = &c->regions[c->regions_learned++ % S3_REGIONS_KEPT];
    snprintf(b->bucket, sizeof b->bucket, "%s", bucket);
    snprintf(b->region, sizeof b->region, "%s", region);
    pthread_mutex_unlock(&c->region_lock);
    return 1;
}
