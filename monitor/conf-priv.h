/* conf-priv.h - what the parts of the configuration loader share (conf*.c only). */
#ifndef SLAMON_CONF_PRIV_H
#define SLAMON_CONF_PRIV_H

#include <stdbool.h>
#include <time.h>

#include <libconfig.h>

#include "conf.h"

#define DAY (86400L)

void conf_src_free(struct conf_src *);
int conf_get_double(struct conf_ctx *, const config_setting_t *, const char *,
    double min, double max, double *);
int conf_check_keys(struct conf_ctx *, const config_setting_t *, const char *const *,
    const char *const *);
config_setting_t *conf_get_group(
    struct conf_ctx *, const config_setting_t *, const char *, bool list);
int conf_get_time(struct conf_ctx *, const config_setting_t *, const char *, time_t *,
    bool *date_only);
bool conf_valid_name(const char *);
int conf_parse_maintenance(struct conf_ctx *, const config_setting_t *, struct conf *);
int conf_parse_cluster(struct conf_ctx *, const config_setting_t *, struct conf *);
void conf_cluster_free(struct conf_cluster *);
/* conf-secret.c: "${env:NAME}" and "${file:/path}" in string settings */
int conf_secret_resolve(struct conf_ctx *, const config_setting_t *at,
    const char *field, const char *raw, char **out);
void conf_warn(struct conf_ctx *, const config_setting_t *, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void conf_secret_redact(const struct conf_ctx *, char *text, size_t size);
void conf_secret_keep(struct conf_ctx *, struct conf *);
void conf_secret_free(struct conf *);
int conf_parse_admin(struct conf_ctx *, const config_setting_t *, struct conf *);
int conf_parse_alerts(struct conf_ctx *, const config_setting_t *, struct conf *);
int conf_parse_page(struct conf_ctx *, const config_setting_t *, struct conf *);
void conf_page_free(struct conf_page *);
void conf_window_free(struct conf_window *);
void conf_ics_free(struct conf_ics *);
/* conf-contract.c: credits = ( { below; percent; }, ... ) in g, replacing
 * *out (a copy of inherit when absent). 0, or -1 after conf_error. */
int conf_parse_credits(struct conf_ctx *, const config_setting_t *g,
    const struct conf_credits *inherit, struct conf_credits *out);
void conf_credits_free(struct conf_credits *);
extern const char *const conf_http_keys[];
void conf_http_defaults(struct conf_http *);
int conf_http_parse(struct conf_ctx *, const config_setting_t *, struct conf_http *);

#endif
