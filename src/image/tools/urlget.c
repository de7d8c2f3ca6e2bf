/* ADD's URL sources: one HTTP(S) GET into a new file, dated by the
 * response's Last-Modified, as docker's builder does. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lxr/image_tools.h"

struct sink {
	int fd;
	int errnum;
};

static size_t sink_write(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t len = size * n, done = 0;

	while (done < len) {
		ssize_t w = write(s->fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->errnum = errno;
			return 0; /* curl stops with CURLE_WRITE_ERROR */
		}
		done += (size_t)w;
	}
	return len;
}

int img_fetch_url(const char *url, const char *path, lxr_err *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct sink s = {.fd = -1};
	long status = 0;
	curl_off_t when = -1;
	CURLcode cr;
	CURL *h;

	if (!lxr_str_has_prefix(url, "http://") && !lxr_str_has_prefix(url, "https://"))
		return lxr_fail(err, EINVAL, "%s: only http:// and https:// URLs are fetched", url);
	s.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s.fd < 0)
		return lxr_fail(err, errno, "create %s", path);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h = curl_easy_init();
	if (!h)
		abort();
	curl_easy_setopt(h, CURLOPT_URL, url);
	/* a redirect may go to HTTPS or HTTP, never to file:// or the like */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "lxr/0.1");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* a stalled transfer (under 1 byte/s for 60 s) is an error, not a hang */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(h, CURLINFO_FILETIME_T, &when);
	curl_easy_cleanup(h);
	if (cr == CURLE_OK && when >= 0) {
		struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = (time_t)when}};
		if (futimens(s.fd, ts) < 0)
			cr = CURLE_WRITE_ERROR, s.errnum = errno;
	}
	if (close(s.fd) < 0 && cr == CURLE_OK)
		cr = CURLE_WRITE_ERROR, s.errnum = errno;
	if (cr == CURLE_OK)
		return 0;
	unlink(path);
	if (s.errnum)
		return lxr_fail(err, s.errnum, "write %s (from %s)", path, url);
	if (cr == CURLE_HTTP_RETURNED_ERROR)
		return lxr_fail(err, 0, "GET %s: the server answered %ld", url, status);
	return lxr_fail(err, ECOMM, "GET %s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(cr));
}
