// libcurl downloads with resume, retries and progress (see http_fetch.h).
#include "store/http_fetch.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "store/names.h"
#include "store/system.h"

namespace ingot::store {

namespace {

using Clock = std::chrono::steady_clock;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

// Options shared by HEAD and GET.
CurlHandle NewHandle(const std::string& url, const FetchOptions& options, char* error_buffer) {
  GlobalInit();
  CurlHandle curl(curl_easy_init());
  if (!curl) return curl;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "ingot/" INGOT_STORE_VERSION);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_seconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, options.stall_timeout_seconds);
  // libcurl reads the proxy variables itself but not the CA ones (only the curl tool does).
  for (const char* var : {"CURL_CA_BUNDLE", "SSL_CERT_FILE"}) {
    if (const char* file = std::getenv(var); file != nullptr && *file != '\0') {
      curl_easy_setopt(c, CURLOPT_CAINFO, file);
      break;
    }
  }
  if (const char* dir = std::getenv("SSL_CERT_DIR"); dir != nullptr && *dir != '\0') {
    curl_easy_setopt(c, CURLOPT_CAPATH, dir);
  }
  if (!options.bearer_token.empty()) {
    // Bearer auth (not a raw header) so that libcurl withholds it when a redirect goes to another host.
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
    curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, options.bearer_token.c_str());
  }
  return curl;
}

std::string HttpErrorMessage(long code, const std::string& url) {
  std::string m = "HTTP " + std::to_string(code) + " for " + url;
  if (code == 401 || code == 403) {
    m += IsHuggingFaceHost(UrlHost(url))
             ? ": the file may be gated; accept its licence on huggingface.co and set HF_TOKEN"
             : ": not authorised";
  }
  return m;
}

// Maps a finished transfer to a Status; *retry says whether another attempt may succeed.
Status TransferStatus(CURLcode rc, long http_code, const char* error_buffer, const std::string& url, bool* retry) {
  *retry = false;
  if (rc == CURLE_OK) return Status::Ok();
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    const std::string m = HttpErrorMessage(http_code, url);
    if (http_code == 404 || http_code == 410) return NotFound(m);
    if (http_code == 401 || http_code == 403) return InvalidArgument(m);
    *retry = http_code == 408 || http_code == 429 || http_code >= 500;
    return Unavailable(m);
  }
  const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
      return InvalidArgument(url + ": " + detail);
    case CURLE_ABORTED_BY_CALLBACK:
      return Cancelled("download cancelled");
    default:
      *retry = true;
      return Unavailable(url + ": " + detail);
  }
}

// State of one GET attempt, shared with libcurl's callbacks.
struct Attempt {
  CURL* curl = nullptr;
  int fd = -1;
  uint64_t offset = 0;     // bytes on disk before this attempt (the Range start)
  uint64_t written = 0;    // bytes written by this attempt
  uint64_t total = 0;      // expected final size (0: unknown)
  bool started = false;    // the final response's status was seen
  std::string content_range;  // of the latest response
  bool restart = false;    // a 206 that does not continue at `offset`: the file was emptied, try again
  Status write_error;
  const FetchOptions* options = nullptr;
  Clock::time_point begin;
  Clock::time_point last_report;
  bool cancelled = false;
};

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  Attempt& a = *static_cast<Attempt*>(user);
  const std::string_view line(data, size * nmemb);
  if (line.substr(0, 5) == "HTTP/") a.content_range.clear();
  constexpr std::string_view kKey = "content-range:";
  if (line.size() > kKey.size()) {
    std::string key(line.substr(0, kKey.size()));
    for (char& c : key) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (key == kKey) {
      std::string_view value = line.substr(kKey.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
        value.remove_suffix(1);
      }
      a.content_range = std::string(value);
    }
  }
  return size * nmemb;
}

// A 206 continues the file only when its Content-Range starts exactly at `offset` ("bytes 100-199/200").
bool RangeContinues(const Attempt& a) {
  const std::string expected = "bytes " + std::to_string(a.offset) + "-";
  return a.content_range.compare(0, expected.size(), expected) == 0;
}

// On the first body bytes: 206 continues at `offset`; 200 means the server ignored the Range (restart).
bool StartBody(Attempt& a) {
  long code = 0;
  curl_easy_getinfo(a.curl, CURLINFO_RESPONSE_CODE, &code);
  curl_off_t length = -1;
  curl_easy_getinfo(a.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  if (code == 206 && !RangeContinues(a)) {
    if (a.options->on_note) a.options->on_note("server sent a range that does not continue the file; restarting");
    if (::ftruncate(a.fd, 0) != 0) a.write_error = IoError(std::string("truncate failed: ") + std::strerror(errno));
    a.restart = true;
    return false;
  }
  if (code != 206 && a.offset > 0) {
    if (a.options->on_note) a.options->on_note("server does not support resume; restarting from zero");
    if (::ftruncate(a.fd, 0) != 0) {
      a.write_error = IoError(std::string("truncate failed: ") + std::strerror(errno));
      return false;
    }
    a.offset = 0;
  }
  if (::lseek(a.fd, off_t(a.offset), SEEK_SET) < 0) {
    a.write_error = IoError(std::string("seek failed: ") + std::strerror(errno));
    return false;
  }
  a.total = length >= 0 ? a.offset + uint64_t(length) : 0;
  a.started = true;
  return true;
}

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  Attempt& a = *static_cast<Attempt*>(user);
  const size_t n = size * nmemb;
  if (!a.started && !StartBody(a)) return 0;
  size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(a.fd, data + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = errno;
      a.write_error = IoError(std::string("write failed: ") + (w < 0 ? std::strerror(err) : "no progress") +
                              (err == ENOSPC ? " (disk full)" : ""));
      return 0;
    }
    done += size_t(w);
  }
  a.written += n;
  return n;
}

void Report(Attempt& a, bool force) {
  if (!a.options->on_progress) return;
  const Clock::time_point now = Clock::now();
  if (!force && now - a.last_report < std::chrono::milliseconds(100)) return;
  a.last_report = now;
  const double seconds = std::chrono::duration<double>(now - a.begin).count();
  FetchProgress p;
  p.done = a.offset + a.written;
  p.total = a.total;
  p.resumed_from = a.offset;
  p.bytes_per_second = seconds > 0 ? double(a.written) / seconds : 0;
  if (!a.options->on_progress(p)) a.cancelled = true;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  Attempt& a = *static_cast<Attempt*>(user);
  if (a.started) Report(a, false);
  return a.cancelled ? 1 : 0;
}

// One GET from the current end of the partial file. *made_progress is set when bytes arrived.
Status RunAttempt(const std::string& url, const std::string& path, const FetchOptions& options, bool* retry,
                  bool* made_progress) {
  *retry = false;
  *made_progress = false;
  Attempt a;
  a.options = &options;
  a.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (a.fd < 0) return IoError(path + ": " + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{a.fd};
  const off_t end = ::lseek(a.fd, 0, SEEK_END);
  if (end < 0) return IoError(path + ": " + std::strerror(errno));
  a.offset = uint64_t(end);

  char error_buffer[CURL_ERROR_SIZE] = {0};
  CurlHandle curl = NewHandle(url, options, error_buffer);
  if (!curl) return Internal("curl_easy_init failed");
  a.curl = curl.get();
  const std::string range = std::to_string(a.offset) + "-";
  if (a.offset > 0) curl_easy_setopt(a.curl, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(a.curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(a.curl, CURLOPT_WRITEDATA, &a);
  curl_easy_setopt(a.curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(a.curl, CURLOPT_HEADERDATA, &a);
  curl_easy_setopt(a.curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(a.curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(a.curl, CURLOPT_XFERINFODATA, &a);
  a.begin = a.last_report = Clock::now();
  const CURLcode rc = curl_easy_perform(a.curl);
  *made_progress = a.written > 0;
  long code = 0;
  curl_easy_getinfo(a.curl, CURLINFO_RESPONSE_CODE, &code);
  if (!a.write_error.ok()) return Status(a.write_error.code(), path + ": " + a.write_error.message());
  if (a.restart) {
    *retry = true;
    return Unavailable(url + ": unusable partial response (Content-Range '" + a.content_range + "')");
  }
  if (a.cancelled) return Cancelled("download cancelled");
  if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416 && a.offset > 0) return Status::Ok();  // already complete
  INGOT_RETURN_IF_ERROR(TransferStatus(rc, code, error_buffer, url, retry));
  if (!a.started && !StartBody(a)) return a.write_error;  // an empty body still decides 200 vs 206
  if (::fsync(a.fd) != 0) return IoError(path + ": fsync failed: " + std::strerror(errno));
  if (a.total > 0 && a.offset + a.written != a.total) {
    *retry = true;
    return Unavailable(url + ": transfer ended early at " + std::to_string(a.offset + a.written) + " of " +
                       std::to_string(a.total) + " bytes");
  }
  Report(a, true);
  return Status::Ok();
}

}  // namespace

Result<RemoteFile> ProbeUrl(const std::string& url, const FetchOptions& options) {
  Status last;
  std::chrono::milliseconds delay = options.retry_delay;
  for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
    char error_buffer[CURL_ERROR_SIZE] = {0};
    CurlHandle curl = NewHandle(url, options, error_buffer);
    if (!curl) return Internal("curl_easy_init failed");
    curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
    const CURLcode rc = curl_easy_perform(curl.get());
    long code = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_HTTP_RETURNED_ERROR && (code == 405 || code == 501)) {
      return RemoteFile{std::nullopt, url};  // the server does not answer HEAD; GET may still work
    }
    bool retry = false;
    last = TransferStatus(rc, code, error_buffer, url, &retry);
    if (last.ok()) {
      RemoteFile file;
      curl_off_t length = -1;
      curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
      if (length >= 0) file.size = uint64_t(length);
      const char* effective = nullptr;
      curl_easy_getinfo(curl.get(), CURLINFO_EFFECTIVE_URL, &effective);
      file.effective_url = effective != nullptr ? effective : url;
      return file;
    }
    if (!retry || attempt == options.max_attempts) break;
    if (options.on_note) options.on_note("retrying in " + std::to_string(delay.count()) + " ms: " + last.message());
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
  return last;
}

Status FetchToFile(const std::string& url, const std::string& partial_path, const FetchOptions& options) {
  std::chrono::milliseconds delay = options.retry_delay;
  int failures = 0;
  while (true) {
    bool retry = false;
    bool progress = false;
    Status st = RunAttempt(url, partial_path, options, &retry, &progress);
    if (st.ok() || !retry) return st;
    if (progress) {  // a long download over a flaky link: count failures in a row, not in total
      failures = 0;
      delay = options.retry_delay;
    }
    if (++failures >= std::max(1, options.max_attempts)) {
      return Status(st.code(), st.message() + " (gave up after " + std::to_string(failures) + " attempts)");
    }
    if (options.on_note) options.on_note("retrying in " + std::to_string(delay.count()) + " ms: " + st.message());
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

}  // namespace ingot::store
