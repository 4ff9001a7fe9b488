/*
 * conf-page.c - the page{} group of the configuration: what the public
 * status page shows besides the data (title, logo, links, footer) and how
 * it arranges the components (order, groups, hidden ones).
 *
 * Component names are checked against the targets' components, so a typo
 * is an error with its line rather than a component that silently stays
 * visible. The logo is a URL (http or https) or a file, read by the server
 * at a fixed path (/logo) so that a request never names a file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf-priv.h"
#include "conf.h"
#include "log.h"

static bool
conf_page_component_known(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->ntargets; i++)
		if (strcmp(c->targets[i].component, name) == 0)
			return true;
	return false;
}

/* A list of component names: each known, none twice in the list. */
static int
conf_page_components(struct conf_ctx *ctx, const config_setting_t *g, const char *key,
    const struct conf *c, struct conf_strv *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (conf_get_strv(ctx, g, key, out) < 0)
		return -1;
	for (size_t i = 0; i < out->n; i++) {
		const config_setting_t *e = s && config_setting_is_aggregate(s)
		    ? config_setting_get_elem(s, (unsigned)i)
		    : s;

		if (!conf_page_component_known(c, out->v[i])) {
			conf_error(ctx, e ? e : g, key,
			    "\"%s\" is not the component of any target", out->v[i]);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(out->v[j], out->v[i]) == 0) {
				conf_error(ctx, e ? e : g, key,
				    "\"%s\" is listed twice", out->v[i]);
				return -1;
			}
	}
	return 0;
}

static int
conf_page_logo(struct conf_ctx *ctx, const config_setting_t *g, struct conf_page *p)
{
	static const struct {
		const char *ext, *ctype;
	} types[] = {
	    {".png", "image/png"},
	    {".svg", "image/svg+xml"},
	    {".jpg", "image/jpeg"},
	    {".jpeg", "image/jpeg"},
	    {".webp", "image/webp"},
	    {".gif", "image/gif"},
	};
	const char *dot;

	if (p->logo == NULL || *p->logo == '\0')
		return 0;
	if (strncmp(p->logo, "http://", 7) == 0 || strncmp(p->logo, "https://", 8) == 0)
		return conf_check_url(ctx, g, "logo", p->logo,
		    (const char *const[]){"http", "https", NULL});
	if (p->logo[0] != '/') {
		conf_error(ctx, g, "logo",
		    "\"%s\": expected an http(s) URL or an absolute file path",
		    p->logo);
		return -1;
	}
	dot = strrchr(p->logo, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			p->logo_ctype = types[i].ctype;
	if (p->logo_ctype == NULL) {
		conf_error(ctx, g, "logo",
		    "\"%s\": the file must end in .png, .svg, .jpg, .jpeg, .webp or .gif",
		    p->logo);
		return -1;
	}
	if (access(p->logo, R_OK) == -1) {
		conf_error(ctx, g, "logo", "\"%s\": cannot be read", p->logo);
		return -1;
	}
	p->logo_file = true;
	return 0;
}

int
conf_parse_page(struct conf_ctx *ctx, const config_setting_t *root, struct conf *c)
{
	static const char *const keys[] = {"title", "logo", "url", "support", "footer",
	    "order", "groups", "hidden", NULL};
	static const char *const group_keys[] = {"name", "components", NULL};
	config_setting_t *g = conf_get_group(ctx, root, "page", false), *gl;
	struct conf_page *p = &c->page;

	if (ctx->failed)
		return -1;
	if (g == NULL)
		return 0;
	if (conf_check_keys(ctx, g, keys, NULL) ||
	    conf_get_str(ctx, g, "title", &p->title) < 0 ||
	    conf_get_str(ctx, g, "logo", &p->logo) < 0 ||
	    conf_get_str(ctx, g, "url", &p->url) < 0 ||
	    conf_get_str(ctx, g, "support", &p->support) < 0 ||
	    conf_get_str(ctx, g, "footer", &p->footer) < 0 ||
	    conf_page_components(ctx, g, "order", c, &p->order) < 0 ||
	    conf_page_components(ctx, g, "hidden", c, &p->hidden) < 0)
		return -1;
	if (p->title != NULL && (*p->title == '\0' || strlen(p->title) > 200)) {
		conf_error(ctx, g, "title", "must be 1 to 200 characters");
		return -1;
	}
	if (p->url != NULL &&
	    conf_check_url(ctx, g, "url", p->url,
		(const char *const[]){"http", "https", NULL}) < 0)
		return -1;
	/* a support contact is a web page or an address to write to */
	if (p->support != NULL && strncmp(p->support, "mailto:", 7) != 0 &&
	    conf_check_url(ctx, g, "support", p->support,
		(const char *const[]){"http", "https", NULL}) < 0)
		return -1;
	if (p->support != NULL && strncmp(p->support, "mailto:", 7) == 0 &&
	    strchr(p->support + 7, '@') == NULL) {
		conf_error(
		    ctx, g, "support", "\"%s\": not a mailto: address", p->support);
		return -1;
	}
	if (conf_page_logo(ctx, g, p) < 0)
		return -1;
	if ((gl = conf_get_group(ctx, g, "groups", true)) == NULL)
		return ctx->failed ? -1 : 0;
	p->ngroups = (size_t)config_setting_length(gl);
	p->groups = xcalloc(p->ngroups + 1, sizeof(*p->groups));
	for (size_t i = 0; i < p->ngroups; i++) {
		config_setting_t *e = config_setting_get_elem(gl, (unsigned)i);
		struct conf_page_group *pg = &p->groups[i];

		if (!config_setting_is_group(e)) {
			conf_error(
			    ctx, e, NULL, "expected a group { name; components; }");
			return -1;
		}
		pg->line = config_setting_source_line(e);
		if (conf_check_keys(ctx, e, group_keys, NULL) ||
		    conf_require(ctx, e, "name") < 0 ||
		    conf_require(ctx, e, "components") < 0 ||
		    conf_get_str(ctx, e, "name", &pg->name) < 0 ||
		    conf_page_components(ctx, e, "components", c, &pg->components) < 0)
			return -1;
		if (pg->components.n == 0) {
			conf_error(ctx, e, "components", "a group needs a component");
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(p->groups[j].name, pg->name) == 0) {
				conf_error(ctx, e, "name",
				    "group \"%s\" is defined twice", pg->name);
				return -1;
			}
			for (size_t k = 0; k < pg->components.n; k++)
				for (size_t m = 0; m < p->groups[j].components.n; m++)
					if (strcmp(pg->components.v[k],
						p->groups[j].components.v[m]) == 0) {
						conf_error(ctx, e, "components",
						    "\"%s\" is already in group \"%s\"",
						    pg->components.v[k],
						    p->groups[j].name);
						return -1;
					}
		}
		if (conf_page_component_known(c, pg->name)) {
			conf_error(ctx, e, "name",
			    "\"%s\" is already the name of a component", pg->name);
			return -1;
		}
	}
	return 0;
}

void
conf_page_free(struct conf_page *p)
{
	free(p->title);
	free(p->logo);
	free(p->url);
	free(p->support);
	free(p->footer);
	conf_strv_free(&p->order);
	conf_strv_free(&p->hidden);
	for (size_t i = 0; i < p->ngroups; i++) {
		free(p->groups[i].name);
		conf_strv_free(&p->groups[i].components);
	}
	free(p->groups);
}

bool
conf_page_hidden(const struct conf *c, const char *component)
{
	for (size_t i = 0; i < c->page.hidden.n; i++)
		if (strcmp(c->page.hidden.v[i], component) == 0)
			return true;
	return false;
}
