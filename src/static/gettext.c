/* Linked only into the static lxr (LXR_STATIC). glibc's strerror,
 * strsignal and getopt translate their messages through __dcgettext, which
 * loads message catalogues and converts their character sets (gconv, and
 * with it dlopen of gconv modules): 40 KB and more that lxr never uses, as
 * it sets no locale and its messages are English. As with fxprintf.c, a
 * definition here is taken instead of the archive's; the message comes
 * back untranslated, as it does in the C locale. */
char *__dcgettext(const char *domain, const char *msgid, int category);
char *dcgettext(const char *domain, const char *msgid, int category);

char *__dcgettext(const char *domain, const char *msgid, int category)
{
	(void)domain;
	(void)category;
	return (char *)msgid;
}

char *dcgettext(const char *domain, const char *msgid, int category)
    __attribute__((alias("__dcgettext")));
